/**
 * An image pasted into a chat's input is saved next to the chat (`pasted-images/`, a folder
 * the person sees and the agent may read) and attached to the next message; the server gives
 * it to agents that take images as image content.
 */
import type { IChatModel, IChatTracker } from '@jupyter/chat';
import { Notification } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type { Contents } from '@jupyterlab/services';

const FOLDER = 'pasted-images';
const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp'
};

function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(',', 2)[1] ?? '');
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

async function saveAndAttach(
  file: File,
  index: number,
  model: IChatModel,
  contents: Contents.IManager
): Promise<void> {
  // collaborative documents live on the "RTC:" drive: the contents API wants the plain path
  const chatPath = String((model as unknown as { name?: string }).name ?? '').replace(/^[^/:]+:/, '');
  const folder = PathExt.join(PathExt.dirname(chatPath), FOLDER);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const unique = Math.random().toString(36).slice(2, 8); // several images in one paste, or two people
  const path = PathExt.join(folder, `${stamp}-${index + 1}-${unique}.${EXTENSIONS[file.type]}`);
  await contents.save(folder, { type: 'directory' });
  await contents.save(path, { type: 'file', format: 'base64', content: await base64Of(file) });
  model.input.addAttachment?.({ type: 'file', value: path, mimetype: file.type });
}

/** Listen for pasted images in every chat (main area and side panel). */
export function acceptPastedImages(tracker: IChatTracker, contents: Contents.IManager): void {
  tracker.widgetAdded.connect((_, widget) => {
    widget.node.addEventListener(
      'paste',
      (event: ClipboardEvent) => {
        const images = Array.from(event.clipboardData?.files ?? []).filter(file => file.type in EXTENSIONS);
        if (!images.length || !(event.target as HTMLElement)?.closest?.('.jp-chat-input-container')) {
          return;
        }
        event.preventDefault();
        for (const [index, image] of images.entries()) {
          saveAndAttach(image, index, widget.model, contents).catch(error =>
            Notification.error(`The pasted image was not attached: ${error?.message ?? error}`, { autoClose: 5000 })
          );
        }
      },
      true
    );
  });
}
