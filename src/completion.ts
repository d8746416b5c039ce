/**
 * @-completion of personas in the chat input, with avatar, description and availability
 * (jupyterlab-chat leaves bot users out of its own mention completion).
 */
import type { ChatCommand, IChatCommandProvider, IInputModel } from '@jupyter/chat';
import * as React from 'react';

import { IChatRef, IPersonaInfo, listPersonas } from './api';

const CACHE_MS = 2000;

export function chatRefOf(inputModel: IInputModel): IChatRef {
  const context = inputModel.chatContext as { id?: string; name?: string } | undefined;
  let chatId: string | undefined;
  try {
    chatId = context?.id;
  } catch {
    chatId = undefined; // the chat is not ready yet
  }
  return { chatId };
}

export class PersonaCompletionProvider implements IChatCommandProvider {
  readonly id = 'jupyter-ai-personas:mentions';
  private _cache = new Map<string, { at: number; personas: Promise<IPersonaInfo[]> }>();

  private _personas(chat: IChatRef): Promise<IPersonaInfo[]> {
    const key = chat.chatId ?? '';
    const cached = this._cache.get(key);
    if (cached && Date.now() - cached.at < CACHE_MS) {
      return cached.personas;
    }
    // a persona file dropped into .jupyter/personas shows up within CACHE_MS
    const personas = listPersonas(chat).catch(() => listPersonas({}));
    this._cache.set(key, { at: Date.now(), personas });
    return personas;
  }

  async listCommandCompletions(inputModel: IInputModel): Promise<ChatCommand[]> {
    const word = inputModel.currentWord;
    if (!word || !word.startsWith('@')) {
      return [];
    }
    const prefix = word.slice(1).toLowerCase();
    const personas = await this._personas(chatRefOf(inputModel));
    // who can answer now first, then who needs a key, then who cannot
    const rank = (p: IPersonaInfo): number => (!p.available ? 2 : p.needs ? 1 : 0);
    return personas
      .filter(persona => persona.mention_name.toLowerCase().startsWith(prefix))
      .sort((a, b) => rank(a) - rank(b) || a.mention_name.localeCompare(b.mention_name))
      .map(persona => ({
        name: `@${persona.mention_name}`,
        providerId: this.id,
        replaceWith: `@${persona.mention_name}`,
        spaceOnAccept: true,
        description: !persona.available
          ? `unavailable: ${(persona.unavailable_reason ?? '').replace(/`/g, '')}`
          : persona.needs
            ? `🔑 ${persona.needs.replace(/`/g, '')}`
            : persona.description || persona.source,
        icon: persona.avatar_url
          ? React.createElement('img', {
              src: persona.avatar_url,
              className: 'jp-AIPersonas-avatar',
              alt: '',
              style: persona.available ? undefined : { opacity: 0.4 }
            })
          : '🤖'
      }));
  }

  async onSubmit(inputModel: IInputModel): Promise<void> {
    return;
  }
}
