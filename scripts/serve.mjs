// npm start: serves the playground, dist/ and the model packs on http://127.0.0.1:8787
// (the manifest's devAllowedDomains lets the plugin fetch packs from http://localhost:8787 in development).
//   /            playground/index.html – dist/ui.html in a null-origin iframe, with a stand-in for Figma
//   /dist/…      the build
//   /packs/…     models/packs/…, with Access-Control-Allow-Origin: * (the plugin iframe's origin is null)
//   /fake-figma/host.js  the host simulator (test/fake-figma/host.ts + the fake Figma API), bundled on first request
//   /samples/…   playground/samples/: a photo with a face, one without, and the demo pack's own portraits
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const PORT = Number(process.env.PORT ?? 8787);
const HOST = '127.0.0.1';
const ROUTES = [
  { prefix: '/packs/', dir: join(ROOT, 'models/packs') },
  { prefix: '/dist/', dir: join(ROOT, 'dist') },
  { prefix: '/', dir: join(ROOT, 'playground') },
];
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json',
  '.wasm': 'application/wasm', '.onnx': 'application/octet-stream', '.f32': 'application/octet-stream', '.gz': 'application/gzip',
};

/** The file a URL path names, or undefined; never a path outside the route's folder. */
export function resolveRequest(urlPath) {
  const path = decodeURIComponent(urlPath.split('?')[0]);
  const route = ROUTES.find((r) => path.startsWith(r.prefix));
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

export function startServer({ port = PORT, host = HOST } = {}) {
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url?.split('?')[0] === HOST_SCRIPT) {
      hostScriptAsync().then(
        (script) => response.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(script),
        (error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`Cannot bundle the host simulator: ${error.message}\n`),
      );
      return;
    }
    const file = request.method === 'GET' || request.method === 'HEAD' ? resolveRequest(request.url ?? '/') : undefined;
    if (file === undefined) {
      // With the CORS header, so the null-origin panel can read the status and say "404" (not "network").
      response.writeHead(404, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' }).end(`Not found: ${request.url}\n`);
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': statSync(file).size,
      'access-control-allow-origin': '*',
      'cache-control': 'no-store',
    });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => done(server));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!existsSync(join(ROOT, 'dist/ui.html'))) console.warn('dist/ui.html is missing: run npm run build (npm start does both).');
  startServer().then(
    () => console.log(`facetext playground: http://${HOST}:${PORT}/  (packs at http://${HOST}:${PORT}/packs/; Ctrl+C stops)`),
    (error) => {
      console.error(`Cannot serve on ${HOST}:${PORT}: ${error.message}. Another server may hold the port; set PORT=… to choose another.`);
      process.exit(1);
    },
  );
}
