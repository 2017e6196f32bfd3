// The command-line ending the support servers share: when the module is run
// directly, start it with `main()` (which returns something with `stop()`),
// stop it cleanly on Ctrl-C or SIGTERM, and exit 1 with the stack on failure.

import { pathToFileURL } from 'node:url';

export function runIfMain(moduleUrl, main) {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main()
    .then((server) => {
      const shutdown = async () => {
        await server.stop();
        process.exit(0);
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    })
    .catch((err) => {
      process.stderr.write(`${err.stack || err}\n`);
      process.exit(1);
    });
}
