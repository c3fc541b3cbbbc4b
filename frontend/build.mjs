// Copy the front-end packages from node_modules into wangge/static/vendor, where Django serves them.
import { cpSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "wangge", "static", "vendor");
const files = {
  "htmx/htmx.min.js": "node_modules/htmx.org/dist/htmx.min.js",
  "leaflet/leaflet.js": "node_modules/leaflet/dist/leaflet.js",
  "leaflet/leaflet.css": "node_modules/leaflet/dist/leaflet.css",
  "leaflet/images": "node_modules/leaflet/dist/images",
  "echarts/echarts.min.js": "node_modules/echarts/dist/echarts.min.js",
};
rmSync(out, { recursive: true, force: true });
for (const [target, source] of Object.entries(files)) {
  const from = join(root, source);
  if (!existsSync(from)) throw new Error(`missing ${source}: run npm ci first`);
  mkdirSync(dirname(join(out, target)), { recursive: true });
  cpSync(from, join(out, target), { recursive: true });
}
console.log(`front-end assets copied to ${out}`);
