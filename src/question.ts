/**
 * A persona's question to the chat (ACP elicitation): its options as buttons, a text field
 * for a free answer, a link to open; answered ones show the answer and who gave it.
 */
import { answerQuestion } from './api';
import type { IQuestionState } from './types';

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

export function renderQuestion(state: IQuestionState, chatId: string | undefined): HTMLElement {
  const box = element('div', 'jp-AIPersonas-question');
  box.dataset.status = state.status;
  box.appendChild(element('div', 'jp-AIPersonas-questionTitle', `❓ Question #${state.question}: ${state.message}`));
  if (state.url) {
    const link = element('a', 'jp-AIPersonas-questionLink', state.url);
    link.href = state.url;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    box.appendChild(link);
  }
  if (state.status !== 'pending') {
    box.appendChild(element('div', 'jp-AIPersonas-answer', state.answer?.line ?? state.status));
    return box;
  }
  const error = element('div', 'jp-AIPersonas-error');
  const buttons = element('div', 'jp-AIPersonas-questionButtons');
  const send = async (answer: Parameters<typeof answerQuestion>[2]) => {
    box.querySelectorAll('button, input').forEach(b => ((b as HTMLButtonElement).disabled = true));
    error.textContent = '';
    try {
      await answerQuestion({ chatId }, state.question, answer);
    } catch (reason) {
      error.textContent = String((reason as Error).message ?? reason);
      box.querySelectorAll('button, input').forEach(b => ((b as HTMLButtonElement).disabled = false));
    }
  };
  for (const field of state.fields) {
    if (field.kind === 'choice') {
      for (const choice of field.choices) {
        const button = element('button', 'jp-mod-styled jp-AIPersonas-choice', choice.title);
        button.title = choice.description ?? '';
        button.addEventListener('click', () => void send({ values: { [field.name]: choice.value } }));
        buttons.appendChild(button);
      }
    } else if (field.kind === 'boolean') {
      for (const [label, value] of [
        ['Yes', true],
        ['No', false]
      ] as const) {
        const button = element('button', 'jp-mod-styled jp-AIPersonas-choice', label);
        button.addEventListener('click', () => void send({ values: { [field.name]: value } }));
        buttons.appendChild(button);
      }
    } else {
      const row = element('div', 'jp-AIPersonas-questionText');
      const input = element('input', 'jp-mod-styled');
      input.placeholder = field.description || field.title;
      input.setAttribute('aria-label', field.title);
      const ok = element('button', 'jp-mod-styled jp-mod-accept', 'Send');
      const submit = () => {
        if (input.value.trim()) {
          const value = field.kind === 'number' ? Number(input.value) : input.value.trim();
          void send({ values: { [field.name]: value } });
        }
      };
      ok.addEventListener('click', submit);
      input.addEventListener('keydown', event => event.key === 'Enter' && submit());
      row.appendChild(input);
      row.appendChild(ok);
      box.appendChild(row);
    }
  }
  if (state.url) {
    const done = element('button', 'jp-mod-styled jp-mod-accept', 'Done');
    done.addEventListener('click', () => void send({ text: 'done' }));
    buttons.appendChild(done);
  }
  const decline = element('button', 'jp-mod-styled jp-AIPersonas-decline', 'Decline');
  decline.addEventListener('click', () => void send({ action: 'decline' }));
  buttons.appendChild(decline);
  box.appendChild(buttons);
  box.appendChild(element('div', 'jp-AIPersonas-hint', `or type /answer ${state.question} … in the chat`));
  box.appendChild(error);
  return box;
}
