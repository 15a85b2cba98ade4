/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Server URL for the example (default: this page's origin at /ws). */
  readonly VITE_ZANTARA_WS_URL?: string;
}
