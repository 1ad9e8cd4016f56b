// Every component stackmon knows, one line each (kept so by prettier-ignore). Order is not
// significant: output is sorted.
import type { Component } from "./component.js";
import { alertmanager } from "./alertmanager/index.js";
import { blackbox } from "./blackbox/index.js";
import { duplicati } from "./duplicati/index.js";
import { grafana } from "./grafana/index.js";
import { mysql } from "./mysql/index.js";
import { node } from "./node/index.js";
import { pm2 } from "./pm2/index.js";
import { prometheus } from "./prometheus/index.js";
import { storage } from "./storage/index.js";

// prettier-ignore
export const components: readonly Component[] = [
  prometheus,
  alertmanager,
  node,
  mysql,
  blackbox,
  duplicati,
  pm2,
  grafana,
  storage,
];
