// Loopback servers for the tests: listen on 127.0.0.1 (port 0 = any free
// port) and close without waiting for idle keep-alive connections.

/** Listens on 127.0.0.1; resolves with the port actually bound. */
export function listenLoopback(server, port = 0) {
  // Node closes an idle keep-alive connection after 5 s, and workerd may
  // reuse one from its pool in that same instant: the request then fails
  // ("Network connection lost") through no fault of the worker. An idle
  // timeout longer than any test keeps that race out of the results.
  server.keepAliveTimeout = 10 * 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

/** Closes the server and every connection still open to it. */
export function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
