/**
 * A stop button on a reply in progress: in the footer of the message a working persona is
 * writing (or of the last message, before its reply appears).
 */
import type { IChatModel, MessageFooterSectionProps } from '@jupyter/chat';
import * as React from 'react';

import { stopPersona } from './api';
import { chatQueue } from './queue';

interface IWriterInfo {
  username: string;
  name: string;
}

function workingPersonas(model: IChatModel): IWriterInfo[] {
  return (model.writers ?? [])
    .filter(writer => writer.user?.bot)
    .map(writer => ({
      username: writer.user.username,
      name: writer.user.display_name || writer.user.name || writer.user.username
    }));
}

/** The id of the message on which a persona's stop button goes: its reply under way, or the
 * message it answers before the reply appears (messages waiting in a queue are not answered yet). */
export function stopTarget(model: IChatModel, username: string, waiting = new Set<string>()): string | undefined {
  const messages = model.messages;
  let lastPerson = -1;
  let lastPersona = -1;
  messages.forEach((message, index) => {
    const sender = message.sender;
    if (sender.username === username) {
      lastPersona = index;
    } else if (!sender.bot && !waiting.has(message.id)) {
      lastPerson = index;
    }
  });
  let last = messages.length - 1;
  while (last > 0 && waiting.has(messages[last].id)) {
    last--;
  }
  const index = lastPersona > lastPerson ? lastPersona : last;
  return index >= 0 ? messages[index].id : undefined;
}

function chatId(model: IChatModel): string | undefined {
  try {
    return (model as unknown as { id?: string }).id;
  } catch {
    return undefined;
  }
}

/**
 * Where the stop buttons of a chat go, computed once per update of the chat and shared by
 * every message footer (each footer re-renders only when its own buttons change).
 */
class StopTargets {
  private _byMessage = new Map<string, IWriterInfo[]>();
  private _listeners = new Set<() => void>();

  constructor(private _model: IChatModel) {
    _model.writersChanged?.connect(this._update, this);
    _model.messagesUpdated.connect(this._update, this);
    chatQueue(_model).subscribe(() => this._update());
    this._update();
  }

  get(messageId: string): IWriterInfo[] | undefined {
    return this._byMessage.get(messageId);
  }

  subscribe(listener: () => void): () => void {
    this._listeners.add(listener);
    return () => {
      this._listeners.delete(listener);
    };
  }

  private _update(): void {
    const next = new Map<string, IWriterInfo[]>();
    const waiting = chatQueue(this._model).ids;
    for (const persona of workingPersonas(this._model)) {
      const target = stopTarget(this._model, persona.username, waiting);
      if (target !== undefined) {
        next.set(target, [...(next.get(target) ?? []), persona]);
      }
    }
    if (next.size === 0 && this._byMessage.size === 0) {
      return; // nobody is working, before or now: no footer changes
    }
    this._byMessage = next;
    this._listeners.forEach(listener => listener());
  }
}

const targets = new WeakMap<IChatModel, StopTargets>();

function stopTargets(model: IChatModel): StopTargets {
  let found = targets.get(model);
  if (!found) {
    found = new StopTargets(model);
    targets.set(model, found);
  }
  return found;
}

function sameWriters(a?: IWriterInfo[], b?: IWriterInfo[]): boolean {
  return (a ?? []).map(w => w.username).join() === (b ?? []).map(w => w.username).join();
}

export function StopFooter(props: MessageFooterSectionProps): JSX.Element | null {
  const { model, message } = props;
  const shared = stopTargets(model);
  const [here, setHere] = React.useState(() => shared.get(message.id));
  React.useEffect(
    () =>
      shared.subscribe(() => {
        const now = shared.get(message.id);
        setHere(before => (sameWriters(before, now) ? before : now));
      }),
    [shared, message.id]
  );
  if (!here?.length) {
    return null;
  }
  return (
    <span className="jp-AIPersonas-stopBar">
      {here.map(persona => (
        <button
          key={persona.username}
          className="jp-AIPersonas-stop jp-mod-styled"
          title={`Stop ${persona.name}'s reply`}
          onClick={() => void stopPersona({ chatId: chatId(model) }, persona.username)}
        >
          ■ Stop {persona.name}
        </button>
      ))}
    </span>
  );
}
