// See package.json: the action has no browser to open.
export default function open() {
  throw new Error('bifrost-aks-deploy cannot open a browser: interactive sign-in is not supported.');
}
