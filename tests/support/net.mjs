// Loopback servers for the tests: listen on 127.0.0.1 (port 0 = any free
// port) and close without waiting for idle keep-alive connections.

/** Listens on 127.0.0.1; resolves with the port actually bound. */
export function listenLoopback(server, port = 0) {
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
