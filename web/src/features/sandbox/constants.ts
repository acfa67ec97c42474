/** A phone's chats and its open chat are fetched this often. */
export const SANDBOX_REFRESH_MS = 1500;
