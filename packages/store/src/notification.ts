import type { SubscribeOptions, VersionNotification } from './types.js';

/** The message sent on `<namespace>:model:<model>:published` (the rollback script builds the same shape). */
export function notificationPayload(event: VersionNotification['event'], version: number, epoch: number): string {
  return JSON.stringify({ event, version, epoch });
}

/** Parses a notification message; null for anything malformed (notifications are only hints). */
export function parseNotification(model: string, message: string): VersionNotification | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { event, version, epoch } = parsed as Record<string, unknown>;
  if (event !== 'publish' && event !== 'rollback') return null;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) return null;
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch)) return null;
  return { model, version, event, epoch };
}

/**
 * The message handler of one subscription: malformed messages are ignored, and an exception of
 * `onVersion` goes to `options.onError` instead of the store's event loop.
 */
export function notificationListener(
  model: string,
  onVersion: (notification: VersionNotification) => void,
  options: SubscribeOptions,
): (message: string) => void {
  return (message) => {
    const notification = parseNotification(model, message);
    if (notification === null) return;
    try {
      onVersion(notification);
    } catch (error) {
      options.onError?.(error);
    }
  };
}
