/**
 * A message that waits for a busy persona says so under it, with a button to take it back.
 * The server publishes the queue over the chat's awareness (it is never saved).
 */
import type { IChatModel, MessageFooterSectionProps } from '@jupyter/chat';
import { Notification } from '@jupyterlab/apputils';
import * as React from 'react';

import { stopPersona } from './api';
import type { IWaitingMessage } from './types';
import { QUEUE_AWARENESS_KEY } from './types';

interface IAwareness {
  getStates(): Map<number, Record<string, unknown>>;
  on(event: 'change', listener: () => void): void;
  off(event: 'change', listener: () => void): void;
}

function awarenessOf(model: IChatModel): IAwareness | null {
  return (model as unknown as { sharedModel?: { awareness?: IAwareness } }).sharedModel?.awareness ?? null;
}

/** The well-formed entries of a client's queue field (any client can write its awareness). */
function entriesOf(state: Record<string, unknown> | undefined): IWaitingMessage[] {
  const queue = state?.[QUEUE_AWARENESS_KEY];
  if (!Array.isArray(queue)) {
    return [];
  }
  return queue.filter(
    (entry): entry is IWaitingMessage =>
      typeof entry === 'object' &&
      entry !== null &&
      typeof entry.message_id === 'string' &&
      typeof entry.persona === 'string' &&
      typeof entry.name === 'string' &&
      typeof entry.ahead === 'number'
  );
}

/** The ids of the messages waiting for a busy persona in this chat. */
export function waitingIds(model: IChatModel): Set<string> {
  const ids = new Set<string>();
  awarenessOf(model)
    ?.getStates()
    .forEach(state => entriesOf(state).forEach(entry => ids.add(entry.message_id)));
  return ids;
}

/** Call `listener` when the chat's awareness changes (the queue is published there). */
export function onAwareness(model: IChatModel, listener: () => void): () => void {
  const awareness = awarenessOf(model);
  awareness?.on('change', listener);
  return () => awareness?.off('change', listener);
}

function waitingFor(awareness: IAwareness | null, messageId: string): IWaitingMessage[] {
  const found: IWaitingMessage[] = [];
  awareness?.getStates().forEach(state => {
    found.push(...entriesOf(state).filter(entry => entry.message_id === messageId));
  });
  return found;
}

function same(a: IWaitingMessage[], b: IWaitingMessage[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function QueueFooter(props: MessageFooterSectionProps): JSX.Element | null {
  const { model, message } = props;
  const awareness = awarenessOf(model);
  const [waiting, setWaiting] = React.useState(() => waitingFor(awareness, message.id));
  React.useEffect(() => {
    if (!awareness) {
      return;
    }
    const update = () => {
      const now = waitingFor(awareness, message.id);
      setWaiting(before => (same(before, now) ? before : now));
    };
    awareness.on('change', update);
    update();
    return () => awareness.off('change', update);
  }, [awareness, message.id]);
  if (!waiting.length) {
    return null;
  }
  const chatId = (model as unknown as { id?: string }).id;
  return (
    <span className="jp-AIPersonas-queued">
      {waiting.map(entry => (
        <span key={entry.persona}>
          ⏳ Waiting for {entry.name} ({entry.ahead === 1 ? 'after the reply under way' : `${entry.ahead} replies ahead`})
          <button
            className="jp-AIPersonas-unqueue jp-mod-styled"
            title={`Take this message back: ${entry.name} will not answer it`}
            onClick={() =>
              void stopPersona({ chatId }, entry.persona, message.id).catch(error =>
                Notification.warning(String(error?.message ?? error), { autoClose: 5000 })
              )
            }
          >
            Cancel
          </button>
        </span>
      ))}
    </span>
  );
}
