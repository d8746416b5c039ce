/**
 * jupyter-ai-personas: personas in the chat UI.
 */
import { IChatCommandRegistry, IChatTracker, IMessageFooterRegistry } from '@jupyter/chat';
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { IMainMenu } from '@jupyterlab/mainmenu';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { PersonaCompletionProvider } from './completion';
import { credentialsWidget, CredentialsPanel } from './credentials';
import { connectLabChannel } from './labChannel';
import { liveReplyRendererFactory, messageFinder } from './liveReply';
import { acceptPastedImages } from './pasteImage';
import { richRendererFactory } from './rich';
import { RosterExtension } from './roster';
import { QueueFooter } from './queue';
import { StopFooter } from './stop';
import { UsageFooter } from './usage';

const richMessages: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-ai-personas:rich-messages',
  description: 'Renders tool calls, diffs, plans and permission requests of personas, and replies as they stream.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  optional: [IChatTracker],
  activate: (app: JupyterFrontEnd, rendermime: IRenderMimeRegistry, chats: IChatTracker | null) => {
    const openFile = (path: string) => void app.commands.execute('docmanager:open', { path });
    rendermime.addFactory(richRendererFactory(openFile), 10);
    rendermime.addFactory(liveReplyRendererFactory(rendermime, messageFinder(chats)), 10);
  }
};

const pastedImages: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-ai-personas:pasted-images',
  description: 'An image pasted into a chat input is saved beside the chat and attached.',
  autoStart: true,
  optional: [IChatTracker],
  activate: (app: JupyterFrontEnd, chats: IChatTracker | null) => {
    if (chats) {
      acceptPastedImages(chats, app.serviceManager.contents);
    }
  }
};

const completion: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-ai-personas:completion',
  description: '@-completion of personas in the chat input.',
  autoStart: true,
  optional: [IChatCommandRegistry],
  activate: (app: JupyterFrontEnd, registry: IChatCommandRegistry | null) => {
    registry?.addProvider(new PersonaCompletionProvider());
  }
};

const stopButton: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-ai-personas:stop-button',
  description: 'A stop button on replies in progress, the queue of waiting messages, and what replies cost.',
  autoStart: true,
  optional: [IMessageFooterRegistry],
  activate: (app: JupyterFrontEnd, footers: IMessageFooterRegistry | null) => {
    footers?.addSection({ component: StopFooter, position: 'left' });
    footers?.addSection({ component: QueueFooter, position: 'center' });
    footers?.addSection({ component: UsageFooter, position: 'right' });
  }
};

const roster: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-ai-personas:roster',
  description: 'The personas of a chat, in its toolbar.',
  autoStart: true,
  activate: (app: JupyterFrontEnd) => {
    app.docRegistry.addWidgetExtension('Chat', new RosterExtension(app.shell));
  }
};

const labChannel: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-ai-personas:lab-channel',
  description: 'Lets tools (MCP) list and run the commands of the JupyterLab page a person uses.',
  autoStart: true,
  activate: (app: JupyterFrontEnd) => {
    void app.restored.then(() => connectLabChannel(app));
  }
};

const OPEN_CREDENTIALS = 'jupyter-ai-personas:credentials';

const credentials: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-ai-personas:credentials',
  description: 'Settings › AI Personas: agents\' keys, kept by the server.',
  autoStart: true,
  optional: [IMainMenu, ICommandPalette],
  activate: (app: JupyterFrontEnd, menu: IMainMenu | null, palette: ICommandPalette | null) => {
    let widget: MainAreaWidget<CredentialsPanel> | null = null;
    app.commands.addCommand(OPEN_CREDENTIALS, {
      label: 'AI Personas…',
      caption: 'Give AI agents their keys',
      execute: () => {
        if (!widget || widget.isDisposed) {
          widget = credentialsWidget(async name => {
            await app.commands.execute('terminal:open', { name });
          });
        }
        if (!widget.isAttached) {
          app.shell.add(widget, 'main');
        }
        app.shell.activateById(widget.id);
        void widget.content.refresh();
      }
    });
    menu?.settingsMenu.addGroup([{ command: OPEN_CREDENTIALS }], 100);
    palette?.addItem({ command: OPEN_CREDENTIALS, category: 'AI Personas' });
  }
};

export default [richMessages, pastedImages, completion, stopButton, roster, credentials, labChannel];
