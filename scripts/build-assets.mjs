// Copies the GC Design System, its fonts and htmx from node_modules into our static folder,
// rewriting every reference to Google Fonts or the GCDS CDN to our own copies: the product
// must load nothing from outside (strict CSP, offline installations).
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const out = join(root, "src/longroom/core/static/core/vendor");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

cpSync(join(modules, "@gcds-core/components/dist/gcds"), join(out, "gcds"), { recursive: true });
cpSync(join(modules, "@gcds-core/fonts/fonts"), join(out, "fonts"), { recursive: true });
cpSync(join(modules, "@gcds-core/css-shortcuts/dist/gcds-css-shortcuts.min.css"), join(out, "gcds-css-shortcuts.min.css"));
cpSync(join(modules, "htmx.org/dist/htmx.min.js"), join(out, "htmx.min.js"));

// Each stylesheet with its path to our fonts folder.
for (const [file, fonts] of [["gcds/gcds.css", "../fonts/"], ["gcds-css-shortcuts.min.css", "fonts/"]]) {
  const path = join(out, file);
  let css = readFileSync(path, "utf8");
  css = css.replace(/@import url\("?https:\/\/fonts\.googleapis\.com[^)]*\);?/g, "");
  css = css.replace(/https:\/\/cdn\.design-system\.canada\.ca\/@gcds-core\/fonts@[^/]+\//g, fonts);
  writeFileSync(path, css);
}

for (const family of readdirSync(join(out, "fonts"))) {
  const folder = join(out, "fonts", family);
  for (const file of readdirSync(folder).filter((name) => name.endsWith(".css"))) {
    const path = join(folder, file);
    writeFileSync(path, readFileSync(path, "utf8").replaceAll("path/to/file", ".").replaceAll("<path-to-file>", "."));
  }
}

const leftovers = [];
const scan = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) scan(path);
    else if (/\.(css)$/.test(entry.name) && /https?:\/\/(fonts\.googleapis|cdn\.design-system)/.test(readFileSync(path, "utf8"))) leftovers.push(path);
  }
};
scan(out);
if (leftovers.length) {
  console.error("External asset references remain in:", leftovers);
  process.exit(1);
}
console.log(`assets built in ${out}`);
