// The Grafana foundation SDK's modules the dashboards are built with. The SDK is large CommonJS
// that only building dashboards needs: only the dashboards' modules import this one, and they are
// loaded when something renders (`stackmon --help` and `validate` never load them); the build
// bundles the SDK with them, which spares Node.js resolving and reading its ~230 files.
export * as common from "@grafana/grafana-foundation-sdk/common";
export * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
export * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
export * as stat from "@grafana/grafana-foundation-sdk/stat";
export * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
export * as table from "@grafana/grafana-foundation-sdk/table";
export * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
