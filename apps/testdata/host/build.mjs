// Bundles host.js for the browser into OUTDIR/host.js (default dist/).
// the apps tests run it; nothing here ships with the server.
import { build } from "esbuild";

const outdir = process.argv[2] || "dist";
await build({
  entryPoints: ["host.js"],
  bundle: true,
  format: "esm",
  platform: "browser",
  outfile: outdir + "/host.js",
  logLevel: "warning",
});
