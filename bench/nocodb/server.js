// NocoDB behind a ten-line Express wrapper, on loopback. Run by bench/nocodb.py as
// `node server.js <install dir>`; NC_DB, NC_AUTH_JWT_SECRET, NC_ADMIN_* and PORT come from the env.
const path = require('path');
const { createRequire } = require('module');
const load = createRequire(path.join(path.resolve(process.argv[2] || __dirname), 'package.json'));
const express = load('express');
const { Noco } = load('nocodb');
(async () => {
  const app = express();
  app.disable('x-powered-by');
  const server = app.listen(Number(process.env.PORT || 8080), '127.0.0.1');
  app.use(await Noco.init({}, server, app));
  console.log(`NocoDB listening on http://127.0.0.1:${process.env.PORT || 8080}`);
})().catch((error) => { console.error(error); process.exit(1); });
