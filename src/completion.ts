/**
 * Completion in the chat input: `@` lists the personas, with avatar, description and
 * availability (jupyterlab-chat leaves bot users out of its own mention completion); `/` lists
 * the chat's commands, or after `@Name ` the commands that persona's agent announced.
 */
import type { ChatCommand, IChatCommandProvider, IInputModel } from '@jupyter/chat';
import * as React from 'react';

import { getRoster, IChatRef, IPersonaInfo, IRoster } from './api';

const CACHE_MS = 2000;
const DESCRIPTION_CHARS = 140;

/** An agent's command descriptions run to paragraphs: the first sentence or so. */
function brief(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= DESCRIPTION_CHARS ? flat : `${flat.slice(0, DESCRIPTION_CHARS - 1)}…`;
}

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
  private _cache = new Map<string, { at: number; roster: Promise<IRoster> }>();

  private _roster(chat: IChatRef): Promise<IRoster> {
    const key = chat.chatId ?? '';
    const cached = this._cache.get(key);
    if (cached && Date.now() - cached.at < CACHE_MS) {
      return cached.roster;
    }
    // a persona file dropped into .jupyter/personas shows up within CACHE_MS
    const roster = getRoster(chat).catch(() => getRoster({}));
    this._cache.set(key, { at: Date.now(), roster });
    return roster;
  }

  async listCommandCompletions(inputModel: IInputModel): Promise<ChatCommand[]> {
    const word = inputModel.currentWord;
    if (word?.startsWith('/')) {
      return this._commands(inputModel, word.slice(1).toLowerCase());
    }
    if (!word || !word.startsWith('@')) {
      return [];
    }
    const prefix = word.slice(1).toLowerCase();
    const personas = (await this._roster(chatRefOf(inputModel))).personas;
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

  /** The chat's commands at the start of a message; after `@Name `, that agent's own. */
  private async _commands(inputModel: IInputModel, prefix: string): Promise<ChatCommand[]> {
    const roster = await this._roster(chatRefOf(inputModel));
    const addressed = /^\s*@(\S+)\s+\/\S*$/.exec(inputModel.value.slice(0, inputModel.cursorIndex ?? undefined));
    if (addressed) {
      const persona = roster.personas.find(
        p => p.mention_name.toLowerCase() === addressed[1].toLowerCase()
      );
      return (persona?.commands ?? [])
        .filter(c => c.name.toLowerCase().startsWith(prefix))
        .map(c => ({
          name: `/${c.name}`,
          providerId: this.id,
          replaceWith: `/${c.name}`,
          spaceOnAccept: true,
          description: `${persona?.mention_name}: ${brief(c.description)}`
        }));
    }
    if (!/^\s*\/\S*$/.test(inputModel.value.slice(0, inputModel.cursorIndex ?? undefined))) {
      return []; // a chat command is a whole message
    }
    return roster.commands
      .filter(c => c.name.startsWith(prefix))
      .map(c => ({
        name: `/${c.name}`,
        providerId: this.id,
        replaceWith: `/${c.name}`,
        spaceOnAccept: true,
        description: c.usage ? `${c.usage} — ${c.description}` : c.description
      }));
  }

  async onSubmit(inputModel: IInputModel): Promise<void> {
    return;
  }
}
