// Preloaded (node --import) before fauxqs's own dist/server.js.
// fauxqs 2.4.1 always listens on 0.0.0.0 (startFauxqs passes host "0.0.0.0" to Fastify; FAUXQS_HOST only names the
// host inside queue URLs), so every listening socket of this process is pinned to loopback here.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args[0] !== null && typeof args[0] === "object") {
    args[0] = { ...args[0], host: "127.0.0.1" };
  } else if (typeof args[1] === "string") {
    args[1] = "127.0.0.1";
  } else if (typeof args[0] === "number" || typeof args[0] === "string") {
    args.splice(1, 0, "127.0.0.1");
  }
  return listen.apply(this, args);
};

// The test host holds this process's stdin: when the host goes away, however abruptly, so does the server.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
