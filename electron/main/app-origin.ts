// The one origin allowed to show Modelshelf's UI and talk to the engine.
export const APP_SCHEME = 'app';
export const APP_HOST = 'modelshelf';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;
