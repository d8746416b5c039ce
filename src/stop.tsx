/**
 * A stop button on a reply in progress: in the footer of the message a working persona is
 * writing (or of the last message, before its reply appears).
 */
import type { IChatModel, MessageFooterSectionProps } from '@jupyter/chat';
import * as React from 'react';

import { stopPersona } from './api';

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

/** The id of the message on which a persona's stop button goes. */
export function stopTarget(model: IChatModel, username: string): string | undefined {
  const messages = model.messages;
  let lastPerson = -1;
  let lastPersona = -1;
  messages.forEach((message, index) => {
    const sender = message.sender;
    if (sender.username === username) {
      lastPersona = index;
    } else if (!sender.bot) {
      lastPerson = index;
    }
  });
  const index = lastPersona > lastPerson ? lastPersona : messages.length - 1;
  return index >= 0 ? messages[index].id : undefined;
}

function chatId(model: IChatModel): string | undefined {
  try {
    return (model as unknown as { id?: string }).id;
  } catch {
    return undefined;
  }
}

export function StopFooter(props: MessageFooterSectionProps): JSX.Element | null {
  const { model, message } = props;
  const [, refresh] = React.useState(0);
  React.useEffect(() => {
    const update = () => refresh(value => value + 1);
    model.writersChanged?.connect(update);
    model.messagesUpdated.connect(update);
    return () => {
      model.writersChanged?.disconnect(update);
      model.messagesUpdated.disconnect(update);
    };
  }, [model]);
  const here = workingPersonas(model).filter(persona => stopTarget(model, persona.username) === message.id);
  if (!here.length) {
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
