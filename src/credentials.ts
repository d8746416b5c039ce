/**
 * Settings › AI Personas: give agents their keys without editing the server's environment.
 * The server keeps the values (never sent back); each agent gets only the variables it declares,
 * with its next message (no restart).
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { IAgentCredentials, listCredentials, setCredential, signInMethods, startSignIn } from './api';

/** Opens a JupyterLab terminal by name. */
export type OpenTerminal = (name: string) => Promise<void>;

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

export class CredentialsPanel extends Widget {
  private _list = element('div', 'jp-AIPersonas-credentialList');
  private _status = element('div', 'jp-AIPersonas-credentialStatus');

  constructor(private _openTerminal: OpenTerminal) {
    super();
    this.addClass('jp-AIPersonas-credentials');
    this.node.appendChild(element('h2', '', 'AI Personas: agent keys'));
    this.node.appendChild(
      element(
        'p',
        'jp-AIPersonas-credentialIntro',
        'Give an agent its key here instead of in the server\u2019s environment. The server keeps it for ' +
          'you (outside your files, never shown again) and passes it only to the agents that use it, ' +
          'from your next message on: no restart needed.'
      )
    );
    this.node.appendChild(this._status);
    this.node.appendChild(this._list);
  }

  protected onAfterAttach(): void {
    void this.refresh();
  }

  async refresh(): Promise<void> {
    let agents: IAgentCredentials[];
    try {
      agents = await listCredentials();
    } catch (error) {
      this._status.textContent = `Could not load the agents: ${error}`;
      return;
    }
    this._list.textContent = '';
    for (const agent of agents) {
      this._list.appendChild(this._agentBox(agent));
    }
  }

  private _agentBox(agent: IAgentCredentials): HTMLElement {
    const box = element('section', 'jp-AIPersonas-credentialAgent');
    box.dataset.agent = agent.personas[0];
    box.appendChild(element('h3', '', agent.personas.map(name => `@${name.replace(/ /g, '-')}`).join(', ')));
    const state = agent.unavailable
      ? `⛔ ${agent.unavailable}`
      : agent.needs
        ? `🔑 ${agent.needs.replace(/`/g, '')}`
        : '✅ ready';
    box.appendChild(element('div', 'jp-AIPersonas-credentialState', state));
    for (const variable of agent.variables) {
      const row = element('div', 'jp-AIPersonas-credentialRow');
      row.dataset.variable = variable.name;
      row.appendChild(element('code', 'jp-AIPersonas-credentialName', variable.name));
      const where =
        variable.where === 'settings'
          ? 'set here'
          : variable.where === 'environment'
            ? "set in the server's environment"
            : 'not set';
      row.appendChild(element('span', 'jp-AIPersonas-credentialWhere', where));
      const input = element('input', 'jp-AIPersonas-credentialInput jp-mod-styled');
      input.type = 'password';
      input.autocomplete = 'off';
      input.placeholder = variable.set ? 'a new value' : 'paste the key';
      input.setAttribute('aria-label', `${variable.name} value`);
      const save = element('button', 'jp-mod-styled jp-mod-accept', 'Save');
      save.addEventListener('click', () => void this._save(variable.name, input.value, input));
      input.addEventListener('keydown', event => {
        if (event.key === 'Enter') {
          void this._save(variable.name, input.value, input);
        }
      });
      row.appendChild(input);
      row.appendChild(save);
      if (variable.where === 'settings') {
        const remove = element('button', 'jp-mod-styled jp-mod-warn', 'Remove');
        remove.addEventListener('click', () => void this._save(variable.name, null, input));
        row.appendChild(remove);
      }
      box.appendChild(row);
    }
    if (!agent.unavailable) {
      const signIn = element('div', 'jp-AIPersonas-signIn');
      const button = element('button', 'jp-mod-styled', 'Sign in with the agent\u2019s own login…');
      button.addEventListener('click', () => void this._showSignIns(agent.personas[0], signIn, button));
      signIn.appendChild(button);
      box.appendChild(signIn);
    }
    return box;
  }

  private async _showSignIns(persona: string, target: HTMLElement, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    this._status.textContent = `Asking @${persona} how it signs in…`;
    let methods;
    try {
      methods = await signInMethods(persona);
    } catch (error) {
      this._status.textContent = `${error}`;
      button.disabled = false;
      return;
    }
    button.remove();
    if (!methods.length) {
      target.appendChild(element('span', 'jp-AIPersonas-hint', 'This agent offers no sign-in of its own here: give it a key above.'));
      this._status.textContent = '';
      return;
    }
    this._status.textContent = 'Pick a sign-in: it opens in a terminal, where you finish it.';
    for (const method of methods) {
      const choice = element('button', 'jp-mod-styled jp-mod-accept', method.name);
      choice.title = method.description;
      choice.addEventListener('click', async () => {
        try {
          const terminal = await startSignIn(persona, method.id);
          await this._openTerminal(terminal);
          this._status.textContent = `Finish the sign-in in the terminal; then your next message to @${persona} uses it.`;
        } catch (error) {
          this._status.textContent = `The sign-in did not start: ${error}`;
        }
      });
      target.appendChild(choice);
      target.appendChild(element('span', 'jp-AIPersonas-hint', ` ${method.description} `));
    }
  }

  private async _save(name: string, value: string | null, input: HTMLInputElement): Promise<void> {
    if (value !== null && !value.trim()) {
      this._status.textContent = `Type or paste a value for ${name} first.`;
      return;
    }
    try {
      await setCredential(name, value === null ? null : value.trim());
      input.value = '';
      this._status.textContent =
        value === null ? `${name} removed.` : `${name} saved: your next message to the agent uses it.`;
    } catch (error) {
      this._status.textContent = `${name} was not saved: ${error}`;
    }
    await this.refresh();
  }
}

export function credentialsWidget(openTerminal: OpenTerminal): MainAreaWidget<CredentialsPanel> {
  const widget = new MainAreaWidget({ content: new CredentialsPanel(openTerminal) });
  widget.id = 'jupyter-ai-personas-credentials';
  widget.title.label = 'AI Personas';
  widget.title.closable = true;
  return widget;
}
