/**
 * The persona roster in a chat's toolbar: who is in this chat, who is working, and why one
 * is unavailable.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { attachButton } from './attachSelection';
import { chooseOption, getRoster, IPersonaInfo, ISessionOption, IUntrustedFile, trustFile } from './api';

// Open, the list refreshes often; closed, the button follows the chat's writers and
// otherwise checks rarely (every open chat polling often would load the server).
const POLL_OPEN_MS = 2500;
const POLL_CLOSED_MS = 30000;

export class RosterButton extends Widget {
  private _timer: number | null = null;
  private _personas: IPersonaInfo[] = [];
  private _untrusted: IUntrustedFile[] = [];
  private _open = false;
  private _loaded = false;
  private _button: HTMLButtonElement;
  private _panel: HTMLDivElement;

  constructor(
    private _path: () => string,
    private _writersChanged?: ISignal<unknown, unknown>
  ) {
    super();
    this.addClass('jp-AIPersonas-roster');
    this._button = document.createElement('button');
    this._button.className = 'jp-AIPersonas-rosterButton jp-ToolbarButtonComponent';
    this._button.title = 'Personas in this chat';
    this._button.textContent = '👥 Personas';
    this._button.addEventListener('click', () => this._toggle());
    this._panel = document.createElement('div');
    this._panel.className = 'jp-AIPersonas-rosterPanel';
    this._panel.hidden = true;
    this.node.appendChild(this._button);
  }

  protected onAfterShow(): void {
    void this._poll();
  }

  protected onAfterAttach(): void {
    void this._poll();
    this._schedule();
    this._writersChanged?.connect(this._onWriters, this);
  }

  protected onBeforeDetach(): void {
    this._stopTimer();
    this._writersChanged?.disconnect(this._onWriters, this);
    this._panel.remove();
  }

  dispose(): void {
    this._stopTimer();
    this._writersChanged?.disconnect(this._onWriters, this);
    this._panel.remove();
    super.dispose();
  }

  private _schedule(): void {
    this._stopTimer();
    // until the first answer (the chat may not be attached on the server yet), often too
    const every = this._open || !this._loaded ? POLL_OPEN_MS : POLL_CLOSED_MS;
    this._timer = window.setInterval(() => void this._poll(), every);
  }

  private _stopTimer(): void {
    if (this._timer !== null) {
      window.clearInterval(this._timer);
      this._timer = null;
    }
  }

  private _onWriters(): void {
    void this._poll(); // someone started or stopped writing: maybe a persona
  }

  private _toggle(): void {
    this._open = !this._open;
    this._panel.hidden = !this._open;
    this._schedule();
    if (this._open) {
      void this._poll();
    }
    if (this._open) {
      // the toolbar clips what overflows it: the list floats over the page instead
      const rect = this._button.getBoundingClientRect();
      this._panel.style.top = `${rect.bottom + 2}px`;
      this._panel.style.left = `${Math.max(4, rect.left)}px`;
      document.body.appendChild(this._panel);
    } else {
      this._panel.remove();
    }
    this._render();
  }

  private async _poll(): Promise<void> {
    if (!this.isVisible) {
      return;
    }
    try {
      const roster = await getRoster({ chatPath: this._path() });
      this._personas = roster.personas;
      this._untrusted = roster.untrusted;
    } catch {
      return; // the chat is not attached yet
    }
    if (!this._loaded) {
      this._loaded = true;
      this._schedule();
    }
    this._render();
  }

  private _render(): void {
    const working = this._personas.filter(p => p.working).length;
    const available = this._personas.filter(p => p.available && !p.needs).length;
    const waiting = this._untrusted.length ? ` · 🔒 ${this._untrusted.length}` : '';
    this._button.textContent =
      `👥 ${available} of ${this._personas.length} ready` + (working ? ` · ✍️ ${working} working` : '') + waiting;
    if (!this._open) {
      return;
    }
    if (this._panel.contains(document.activeElement) && document.activeElement?.tagName === 'SELECT') {
      return; // a person is picking a model or mode: no refresh under their hand
    }
    this._panel.textContent = '';
    for (const file of this._untrusted) {
      this._panel.appendChild(this._untrustedRow(file)); // first: they wait for the person
    }
    for (const persona of this._personas) {
      const row = document.createElement('div');
      row.className = 'jp-AIPersonas-rosterRow';
      row.dataset.state = persona.working ? 'working' : persona.available ? 'ready' : 'unavailable';
      if (persona.avatar_url) {
        const img = document.createElement('img');
        img.src = persona.avatar_url;
        img.className = 'jp-AIPersonas-avatar';
        row.appendChild(img);
      }
      const text = document.createElement('div');
      text.className = 'jp-AIPersonas-rosterText';
      const name = document.createElement('div');
      name.className = 'jp-AIPersonas-rosterName';
      name.textContent = `@${persona.mention_name}`;
      const state = document.createElement('div');
      state.className = 'jp-AIPersonas-rosterState';
      state.textContent = persona.working
        ? '✍️ working'
        : !persona.available
          ? `⛔ ${persona.unavailable_reason ?? 'unavailable'}`
          : persona.needs
            ? `🔑 ${persona.needs.replace(/`/g, '')}`
            : `✅ ready · ${persona.description || persona.source}`;
      text.appendChild(name);
      text.appendChild(state);
      if (persona.consent?.startsWith('⚠️')) {
        const consent = document.createElement('div');
        consent.className = 'jp-AIPersonas-rosterWarning';
        consent.textContent = persona.consent;
        text.appendChild(consent);
      }
      for (const option of persona.options ?? []) {
        text.appendChild(this._picker(persona, option));
      }
      row.appendChild(text);
      this._panel.appendChild(row);
    }
  }

  /** A select for a persona's model or mode in this chat. */
  private _picker(persona: IPersonaInfo, option: ISessionOption): HTMLLabelElement {
    const label = document.createElement('label');
    label.className = 'jp-AIPersonas-rosterOption';
    label.textContent = `${option.name} `;
    const select = document.createElement('select');
    select.dataset.category = option.category;
    select.title = `${option.name} of @${persona.mention_name} in this chat`;
    for (const choice of option.choices) {
      const item = document.createElement('option');
      item.value = choice.value;
      item.textContent = choice.name;
      item.selected = choice.value === option.current;
      select.appendChild(item);
    }
    select.addEventListener('change', () => {
      const chat = { chatPath: this._path() };
      void chooseOption(chat, persona.id, option.category, select.value)
        .catch(error => showDialog({ title: 'Not changed', body: String(error), buttons: [Dialog.okButton()] }))
        .then(() => this._poll());
    });
    label.appendChild(select);
    return label;
  }

  private _untrustedRow(file: IUntrustedFile): HTMLDivElement {
    const row = document.createElement('div');
    row.className = 'jp-AIPersonas-rosterRow';
    row.dataset.state = 'untrusted';
    const text = document.createElement('div');
    text.className = 'jp-AIPersonas-rosterText';
    const name = document.createElement('div');
    name.className = 'jp-AIPersonas-rosterName';
    name.textContent = `🔒 ${file.path}`;
    const state = document.createElement('div');
    state.className = 'jp-AIPersonas-rosterState';
    state.textContent = `waits for your trust: ${file.reasons.join('; ')}`;
    text.appendChild(name);
    text.appendChild(state);
    const button = document.createElement('button');
    button.className = 'jp-AIPersonas-trustButton jp-mod-styled';
    button.textContent = 'Trust…';
    button.addEventListener('click', () => void this._trust(file));
    row.appendChild(text);
    row.appendChild(button);
    return row;
  }

  private async _trust(file: IUntrustedFile): Promise<void> {
    const body = document.createElement('div');
    body.textContent =
      `${file.path}: ${file.reasons.join('; ')}. Trust only a file you have read: ` +
      `its content (SHA-256 ${file.sha256.slice(0, 12)}…) is loaded now, and any change asks again.`;
    const result = await showDialog({
      title: 'Trust this persona file?',
      body: new Widget({ node: body }),
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Trust' })]
    });
    if (!result.button.accept) {
      return;
    }
    try {
      await trustFile(file.path, file.sha256);
    } catch (error) {
      await showDialog({ title: 'Not trusted', body: String(error), buttons: [Dialog.okButton()] });
    }
    void this._poll();
  }
}

export class RosterExtension implements DocumentRegistry.IWidgetExtension<any, any> {
  constructor(private _shell: JupyterFrontEnd.IShell) {}

  createNew(panel: any, context: DocumentRegistry.IContext<any>): IDisposable {
    // collaborative documents live on the "RTC:" drive: the server wants the plain path
    const model = panel.model ?? panel.content?.model;
    const button = new RosterButton(() => context.path.replace(/^[^/:]+:/, ''), model?.writersChanged);
    panel.toolbar?.insertItem(20, 'jupyter-ai-personas-roster', button);
    if (model?.input) {
      panel.toolbar?.insertItem(21, 'jupyter-ai-personas-attach', attachButton(model, this._shell));
    }
    return button;
  }
}
