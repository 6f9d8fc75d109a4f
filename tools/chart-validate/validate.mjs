// Validates rendered Kubernetes objects against the Kubernetes API's schemas with the npm package kubernetes-models
// (each kind's class checks an object against the OpenAPI schema of its apiVersion).
//
//   node validate.mjs MODULES_DIR RENDERED.json
//
// MODULES_DIR is the node_modules directory kubernetes-models is installed in (provisioning puts it under
// /var/cache/binder-dev/kubernetes-models/node_modules); RENDERED.json is chart-render's --output json.
// Prints {"objects": N, "errors": [{"source", "kind", "name", "message"}]} and exits 1 when there is an error,
// 2 when it cannot run.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [modulesDir, renderedFile] = process.argv.slice(2);
if (!modulesDir || !renderedFile) {
  console.error("usage: node validate.mjs MODULES_DIR RENDERED.json");
  process.exit(2);
}
const root = join(modulesDir, "kubernetes-models");
if (!existsSync(join(root, "package.json"))) {
  console.error(`kubernetes-models is not installed in ${modulesDir}; run scripts/provision.sh chart`);
  process.exit(2);
}

const { objects } = JSON.parse(readFileSync(renderedFile, "utf8"));
const errors = [];
for (const { source, object } of objects) {
  const kind = object?.kind;
  const apiVersion = object?.apiVersion;
  const name = object?.metadata?.name ?? "";
  const fail = (message) => errors.push({ source, kind: kind ?? "", name, message });
  if (typeof kind !== "string" || typeof apiVersion !== "string") {
    fail("the object has no kind or apiVersion");
    continue;
  }
  // "v1" is the core group; "apps/v1" is group apps, version v1.
  const file = join(root, apiVersion, `${kind}.js`);
  if (!/^[A-Za-z0-9.\-/]+$/.test(apiVersion) || !/^[A-Za-z0-9]+$/.test(kind) || !existsSync(file)) {
    fail(`${apiVersion} ${kind} is not a kind of the Kubernetes API (kubernetes-models has no such model)`);
    continue;
  }
  const model = await import(pathToFileURL(file).href);
  const Model = model[kind] ?? model.default;
  try {
    new Model(object).validate();
  } catch (e) {
    fail(e.message);
  }
}
console.log(JSON.stringify({ objects: objects.length, errors }));
process.exit(errors.length ? 1 : 0);
