// Where the API key is looked for, in a module of its own: the activation shell reads it without loading the store.

/** The SecretStorage entry of the stored key. */
export const SECRET_KEY = 'glmVoiceClone.apiKey';
/** The environment variable read when no key is stored (headless, CI). */
export const ENV_KEY = 'NOVITA_API_KEY';
/** Zhipu's key: a secret of its own, and its own variable for headless runs. */
export const ZHIPU_SECRET_KEY = 'glmVoiceClone.zhipu.apiKey';
export const ZHIPU_ENV_KEY = 'ZHIPU_API_KEY';
