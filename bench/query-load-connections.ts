// The load generator's HTTP/1.1 client: kept-alive connections on plain sockets, each request
// written as prepared bytes and each answer framed by its Content-Length. Node's http client costs
// about as much CPU per query as the server spends answering it; on a machine with two cores that
// cost was measured as the server's. Still checked in full: the status, and the answer parsed for
// `data` without `errors`.
import net from "node:net";

const HEADER_END = Buffer.from("\r\n\r\n");

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Request bytes of one POST of `body` (JSON) to `url`, for ConnectionPool.send. */
export function postRequestBytes(url: string, body: string): Buffer {
  const { host, pathname, search } = new URL(url);
  const head =
    `POST ${pathname}${search} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(body, "utf8")]);
}

/**
 * Idle connections older than this are closed rather than reused: a server closes idle ones (Node's
 * after 5 s), and a request written as it does so is reset.
 */
const IDLE_REUSE_MS = 1000;

/** One kept-alive connection, one request at a time. */
class Connection {
  private readonly socket: net.Socket;
  private received: Buffer = Buffer.alloc(0);
  private pending: Pending | null = null;
  closed = false;
  idleSince = 0;

  constructor(host: string, port: number) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket.on("error", (error) => this.fail(error));
    this.socket.on("close", () => this.fail(new Error("the server closed the connection")));
  }

  send(request: Buffer): Promise<void> {
    if (this.pending) throw new Error("a connection sends one request at a time");
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(request);
    });
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    const headerEnd = this.received.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = this.received.subarray(0, headerEnd).toString("latin1");
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) return this.fail(new Error(`an answer without Content-Length: ${head.slice(0, 200)}`));
    const bodyStart = headerEnd + HEADER_END.length;
    const bodyEnd = bodyStart + Number(length[1]);
    if (this.received.length < bodyEnd) return;
    if (this.received.length > bodyEnd)
      return this.fail(new Error("the server answered more than was asked"));
    const body = this.received.subarray(bodyStart, bodyEnd).toString("utf8");
    this.received = Buffer.alloc(0);
    const pending = this.pending;
    this.pending = null;
    if (!pending) return this.fail(new Error("the server answered without a request"));
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
    const answer = parseAnswer(body);
    if (status !== 200 || !answer || answer.errors?.length || !answer.data)
      pending.reject(new Error(`query answered HTTP ${status}: ${body.slice(0, 300)}`));
    else pending.resolve();
    if (/\r\nconnection: *close/i.test(head)) this.destroy();
  }

  private fail(error: Error): void {
    this.closed = true;
    this.socket.destroy();
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }
}

function parseAnswer(body: string): { data?: unknown; errors?: { message: string }[] } | null {
  try {
    return JSON.parse(body) as { data?: unknown; errors?: { message: string }[] };
  } catch {
    return null; // reported with the body, as any answer that is not data
  }
}

/** Connections to one server, as many as requests in flight (as an agent with keepAlive). */
export class ConnectionPool {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly host: string;
  private readonly port: number;

  constructor(url: string) {
    const parsed = new URL(url);
    this.host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
    this.port = Number(parsed.port || 80);
  }

  async send(request: Buffer): Promise<void> {
    let connection = this.idle.pop();
    while (connection && (connection.closed || performance.now() - connection.idleSince > IDLE_REUSE_MS)) {
      connection.destroy();
      this.all.delete(connection);
      connection = this.idle.pop();
    }
    if (!connection) {
      connection = new Connection(this.host, this.port);
      this.all.add(connection);
    }
    try {
      await connection.send(request);
    } finally {
      if (connection.closed) {
        this.all.delete(connection);
      } else {
        connection.idleSince = performance.now();
        this.idle.push(connection);
      }
    }
  }

  destroy(): void {
    for (const connection of this.all) connection.destroy();
    this.all.clear();
    this.idle.length = 0;
  }
}
