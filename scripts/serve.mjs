// npm start: serves the playground, dist/ and the model packs on http://127.0.0.1:8787, and the hosted panel
// (dist/hosted/) on another origin, http://127.0.0.1:8788 (the manifest's devAllowedDomains lets the plugin reach
// both as localhost in development).
//   /            playground/index.html – dist/ui.html in a null-origin iframe, with a stand-in for Figma;
//                /?ui=hosted shows the hosted panel instead, as Figma shows a non-null-origin UI
//   /hosted-loader.html  the loader ui.html becomes in hosted mode, pointing at this server's hosted origin
//                (?threads=N is passed on to the hosted page: its engine's wasm threads, for the bench and tests)
//   /dist/…      the build
//   /packs/…     models/packs/…, with Access-Control-Allow-Origin: * (the plugin iframe's origin is null)
//   /fake-figma/host.js  the host simulator (test/fake-figma/host.ts + the fake Figma API), bundled on first request
//   /samples/…   playground/samples/: a photo with a face, one without, and the demo pack's own portraits
// startServer({ packs: { id: dir } }) also serves a pack folder from elsewhere at /packs/<id>/ on both origins (the
// panel bench's full-size pack).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOSTED_PAGE_HEADERS, hostedLoaderHtml } from './hosted-loader.mjs';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const PORT = Number(process.env.PORT ?? 8787);
const HOST = '127.0.0.1';
const PACKS = { prefix: '/packs/', dir: join(ROOT, 'models/packs') };
const ROUTES = [
  PACKS,
  { prefix: '/dist/', dir: join(ROOT, 'dist') },
  { prefix: '/', dir: join(ROOT, 'playground') },
];
// The hosted origin serves what a team's static host would: the panel page (with HOSTED_PAGE_HEADERS) and its
// assets, and packs.
const HOSTED_ROUTES = [PACKS, { prefix: '/', dir: join(ROOT, 'dist/hosted') }];
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json',
  '.wasm': 'application/wasm', '.onnx': 'application/octet-stream', '.f32': 'application/octet-stream', '.gz': 'application/gzip',
};

/** The file a URL path names, or undefined; never a path outside the route's folder. */
export function resolveRequest(urlPath, routes = ROUTES) {
  const path = decodeURIComponent(urlPath.split('?')[0]);
  const route = routes.find((r) => path.startsWith(r.prefix));
  if (route === undefined) return undefined;
  let file = resolve(route.dir, `.${sep}${path.slice(route.prefix.length)}`);
  if (file !== route.dir && !file.startsWith(route.dir + sep)) return undefined;
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
  return existsSync(file) && statSync(file).isFile() ? file : undefined;
}

const HOST_SCRIPT = '/fake-figma/host.js';
let hostScript;

/** The bundled host simulator, built once per server process. */
function hostScriptAsync() {
  hostScript ??= import('../test/fake-figma/build-host.mjs').then((module) => module.buildHostAsync());
  return hostScript;
}

/**
 * Serves `routes` with the headers a pack host needs (CORS for the null-origin panel, types, lengths).
 * `onServed({ url, bytes })` hears of every file body sent in full (tests count pack bytes with it).
 */
function fileHandler(routes, special = () => false, onServed = undefined, pageHeaders = {}) {
  return (request, response) => {
    if (special(request, response)) return;
    const file = request.method === 'GET' || request.method === 'HEAD' ? resolveRequest(request.url ?? '/', routes) : undefined;
    if (file === undefined) {
      // CORS on errors too, so a null-origin panel can read the status and say what went wrong.
      response.writeHead(404, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' }).end(`Not found: ${request.url}\n`);
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': statSync(file).size,
      'access-control-allow-origin': '*',
      'cache-control': 'no-store',
      ...(extname(file) === '.html' ? pageHeaders : {}),
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    const bytes = statSync(file).size;
    response.on('finish', () => onServed?.({ url: request.url, bytes }));
    createReadStream(file).pipe(response);
  };
}

function listen(server, port, host) {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => done(server));
  });
}

/**
 * Starts the playground server on `port` and the hosted panel's server on `hostedPort` (default port + 1, or
 * any free port when port is 0). Closing the first closes both; `server.hostedUrl` is the hosted page's URL.
 * `onServed` hears of every file both servers send. `packs`: { id: folder } served at /packs/<id>/ before models/packs.
 */
export async function startServer({ port = PORT, host = HOST, hostedPort = port === 0 ? 0 : port + 1, onServed = undefined, packs = {} } = {}) {
  const extra = Object.entries(packs).map(([id, dir]) => ({ prefix: `${PACKS.prefix}${id}/`, dir: resolve(dir) }));
  const hosted = await listen(createServer(fileHandler([...extra, ...HOSTED_ROUTES], undefined, onServed, HOSTED_PAGE_HEADERS)), hostedPort, host);
  const hostedUrl = `http://${host}:${hosted.address().port}/`;
  const loaderFor = (threads) => hostedLoaderHtml(threads === null ? hostedUrl : `${hostedUrl}?threads=${encodeURIComponent(threads)}`);
  const server = createServer(fileHandler([...extra, ...ROUTES], (request, response) => {
    const path = request.url?.split('?')[0];
    if (request.method === 'GET' && path === '/hosted-loader.html') {
      const threads = new URLSearchParams(request.url.split('?')[1] ?? '').get('threads'); // the hosted page checks it
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(loaderFor(threads));
      return true;
    }
    if (request.method === 'GET' && path === HOST_SCRIPT) {
      hostScriptAsync().then(
        (script) => response.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(script),
        (error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`Cannot bundle the host simulator: ${error.message}\n`),
      );
      return true;
    }
    return false;
  }, onServed));
  server.hostedUrl = hostedUrl;
  server.on('close', () => hosted.close());
  try {
    return await listen(server, port, host);
  } catch (error) {
    hosted.close();
    throw error;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!existsSync(join(ROOT, 'dist/ui.html'))) console.warn('dist/ui.html is missing: run npm run build (npm start does both).');
  startServer().then(
    (server) => console.log(`facetext playground: http://${HOST}:${PORT}/  (inline panel; packs at http://${HOST}:${PORT}/packs/)\n  hosted panel: http://${HOST}:${PORT}/?ui=hosted  (the page itself at ${server.hostedUrl}; Ctrl+C stops)`),
    (error) => {
      console.error(`Cannot serve on ${HOST}:${PORT} and ${PORT + 1}: ${error.message}. Another server may hold a port; set PORT=… to choose another.`);
      process.exit(1);
    },
  );
}
