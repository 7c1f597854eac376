// Where the API key is looked for, in a module of its own: the activation shell reads it without loading the store.

/** The SecretStorage entry of the stored key. */
export const SECRET_KEY = 'glmVoiceClone.apiKey';
/** The environment variable read when no key is stored (headless, CI). */
export const ENV_KEY = 'NOVITA_API_KEY';
