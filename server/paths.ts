import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The folder holding package.json, whether the server runs from source or from dist/. */
function findPackageRoot(start: string): string {
  let directory = start;
  while (!fs.existsSync(path.join(directory, "package.json"))) {
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error("package.json not found above the server");
    directory = parent;
  }
  return directory;
}

export const packageRoot = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
/** Where `vite build` puts the console. */
export const webDistDir = path.join(packageRoot, "dist", "web");
