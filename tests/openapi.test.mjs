// The OpenAPI file is valid OpenAPI for an independent validator
// (@apidevtools/swagger-parser), not only for the schemas the tests use.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { root } from "./support/api.mjs";

test("edge-worker/openapi.yaml passes a standard OpenAPI validator", async () => {
  const api = await SwaggerParser.validate(join(root, "edge-worker", "openapi.yaml"));
  assert.match(api.openapi, /^3\.1\./);
  // Every response names a description and nothing else stray (flow mappings with commas once split).
  for (const [path, item] of Object.entries(api.paths)) {
    for (const [method, op] of Object.entries(item)) {
      for (const [status, resp] of Object.entries(op.responses ?? {})) {
        assert.equal(typeof resp.description, "string", `${method} ${path} ${status}`);
      }
    }
  }
});
