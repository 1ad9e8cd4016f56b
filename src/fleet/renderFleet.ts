// The desired state of one host of a fleet, pure like every render: a server's Prometheus learns
// every host's exporters from the others' renders (never from the network), scrapes them at their
// address with TLS checked against stackmon's CA and the host's own password; a host's exposed
// exporters get their certificate and key as files.
import type { Component, RenderTarget } from "../components/component.js";
import type {
  DesiredState,
  DirectorySpec,
  Endpoint,
  FileSpec,
  ScrapeJob,
  SecretRef,
  ServiceSpec,
} from "../render/desiredState.js";
import { enabledComponents } from "../render/enabledComponents.js";
import { render, type HostFacts, type RenderExtension } from "../render/render.js";
import { controllerPaths } from "./controllerPaths.js";
import type { Fleet, FleetHost } from "./fleet.js";
import { FLEET_CA_ON_HOST } from "./hostDocuments.js";
import { hasRole } from "./inventory.js";

/** Where a server keeps the CA it checks the fleet's certificates against. */
export const FLEET_CA_FILE = "/etc/prometheus/stackmon-ca.crt";
const SCRAPE_SECRETS_DIR = "/etc/prometheus/secrets/hosts";
const TLS_DIR = "/etc/stackmon/tls";

const secretFile = (path: string, configKey: string): SecretRef => ({ kind: "file", path, configKey });
/** Certificates, keys and CAs: PEM documents of several lines, taken as they are. */
const pemFile = (path: string, configKey: string): SecretRef => ({
  kind: "file",
  path,
  configKey,
  pem: true,
});

export function findHost(fleet: Fleet, name: string): FleetHost {
  const host = fleet.hosts.find((h) => h.name === name);
  if (!host) throw new Error(`no host ${name} in the fleet`);
  return host;
}

export function renderHost(
  fleet: Fleet,
  name: string,
  target: RenderTarget,
  components: readonly Component[],
  facts: HostFacts = {},
): DesiredState {
  const host = findHost(fleet, name);
  if (!fleet.inventory) return render(host.config, target, components, facts);
  return render(host.config, target, components, facts, fleetExtension(fleet, host, target, components));
}

function fleetExtension(
  fleet: Fleet,
  host: FleetHost,
  target: RenderTarget,
  components: readonly Component[],
): RenderExtension {
  const paths = controllerPaths(fleet.stateDir);
  return {
    hosts: fleet.hosts.map((h) => ({ name: h.name, labels: h.labels })),
    scrapeJobs: (own) => {
      const exposedJobs = new Set(exposedJobsOf(host, target, components).map((j) => j.jobName));
      // This host's exposed exporters are scraped like everyone's: at its address, over TLS.
      const local = own.filter((job) => !exposedJobs.has(job.jobName));
      if (!hasRole(host, "server")) return local;
      const remote = fleet.hosts.flatMap((other) =>
        exposedJobsOf(other, target, components).map((job) => remoteJob(job, other, paths)),
      );
      return [...local, ...remote];
    },
    endpoints: (own) => {
      // What this host's exposed components offer is reached at its address, like everyone's.
      const mine = exposedEndpointsOf(host, target, components);
      const mineUrls = new Set(mine.map((e) => e.url));
      const local = own.filter((endpoint) => !mineUrls.has(endpoint.url));
      const atAddress = (of: FleetHost) => (endpoint: Endpoint) => ({
        ...endpoint,
        url: retargetUrl(endpoint.url, of.address),
      });
      // A server also uses what the others share (their Alertmanagers, the storage); its own
      // come first, so "the" Alertmanager or Prometheus of a host is its own.
      const others = hasRole(host, "server")
        ? fleet.hosts
            .filter((other) => other.name !== host.name)
            .flatMap((other) =>
              exposedEndpointsOf(other, target, components)
                .filter((e) => e.shared)
                .map(atAddress(other)),
            )
        : [];
      return [...local, ...mine.map(atAddress(host)), ...others];
    },
    finish: (state) => {
      const certificates = certificateFiles(host, state.services, paths);
      if (pairedServer(fleet, host)) certificates.files.push(fleetCaFile(paths));
      const generated = new Set([paths.scrapePassword(host.name)]);
      return {
        ...state,
        files: [...state.files.map((f) => markGenerated(f, generated)), ...certificates.files].sort((a, b) =>
          a.path.localeCompare(b.path),
        ),
        directories: [...state.directories, ...certificates.directories].sort((a, b) =>
          a.path.localeCompare(b.path),
        ),
      };
    },
  };
}

/** A server of a pair: its Alertmanager gossips with the other's over TLS checked against the CA. */
function pairedServer(fleet: Fleet, host: FleetHost): boolean {
  return hasRole(host, "server") && fleet.hosts.filter((h) => hasRole(h, "server")).length > 1;
}

function fleetCaFile(paths: ReturnType<typeof controllerPaths>): FileSpec {
  return {
    path: FLEET_CA_ON_HOST,
    content: { template: [{ secret: pemFile(paths.caCert, "the fleet's CA"), as: "raw" }] },
    mode: 0o644,
    owner: "root",
    group: "root",
    consumers: [{ service: "alertmanager", onChange: "restart" }],
  };
}

/** Secrets this machine generated get the cheap bcrypt cost (see SecretUse.generated). */
function markGenerated(file: FileSpec, generated: ReadonlySet<string>): FileSpec {
  if (typeof file.content === "string") return file;
  const template = file.content.template.map((part) =>
    typeof part !== "string" && part.secret.kind === "file" && generated.has(part.secret.path)
      ? { ...part, generated: true }
      : part,
  );
  return { ...file, content: { template } };
}

/** The scrape jobs of a host's components that the servers reach over the network. */
function exposedJobsOf(host: FleetHost, target: RenderTarget, components: readonly Component[]): ScrapeJob[] {
  return enabledComponents(components, host.config, target)
    .filter(({ component }) => host.exposed.includes(component.id))
    .flatMap(({ contribution }) => contribution.scrapeJobs);
}

/** The endpoints of a host's components that the servers reach over the network (its storage). */
function exposedEndpointsOf(
  host: FleetHost,
  target: RenderTarget,
  components: readonly Component[],
): Endpoint[] {
  return enabledComponents(components, host.config, target)
    .filter(({ component }) => host.exposed.includes(component.id))
    .flatMap(({ contribution }) => contribution.endpoints);
}

/** An endpoint's URL at the host's address, as its scrape job's target is. */
function retargetUrl(url: string, address: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${retarget(parsed.host, address)}${parsed.pathname === "/" ? "" : parsed.pathname}`;
}

/**
 * A host's job as a server scrapes it: one scrape config per host and job (each host has its own
 * password), the job label kept as the component names it, the host's labels on every series.
 */
function remoteJob(job: ScrapeJob, host: FleetHost, paths: ReturnType<typeof controllerPaths>): ScrapeJob {
  const { tlsConfig: _local, ...rest } = job;
  const atAddress = (target: string) => retarget(target, host.address);
  return {
    ...rest,
    jobName: `${job.jobName}@${host.name}`,
    staticConfigs: job.staticConfigs.map((sc) => ({
      ...sc,
      // A probe job's targets are the probed sites; its exporter is the __address__ replacement.
      targets: job.relabelConfigs ? sc.targets : sc.targets.map(atAddress),
      labels: { ...sc.labels, ...host.labels, job: job.jobName },
    })),
    ...(job.relabelConfigs
      ? {
          relabelConfigs: job.relabelConfigs.map((relabel) =>
            relabel["target_label"] === "__address__" && typeof relabel["replacement"] === "string"
              ? { ...relabel, replacement: atAddress(relabel["replacement"]) }
              : relabel,
          ),
        }
      : {}),
    ...(job.basicAuth
      ? {
          basicAuth: {
            username: job.basicAuth.username,
            passwordFile: `${SCRAPE_SECRETS_DIR}/${host.name}.password`,
            password:
              job.basicAuth.password ?? secretFile(paths.scrapePassword(host.name), `hosts.${host.name}`),
          },
        }
      : {}),
    ...(job.scheme === "https"
      ? {
          trust: host.tls
            ? {
                caFile: `/etc/prometheus/ca-${host.name}.crt`,
                ca: pemFile(host.tls.ca_file, `hosts.${host.name}.tls.ca_file`),
                serverName: host.name,
              }
            : { caFile: FLEET_CA_FILE, ca: pemFile(paths.caCert, "the fleet's CA"), serverName: host.name },
        }
      : {}),
  };
}

/**
 * The address a server scrapes for a host's listener: the host's own address with the listener's
 * port (a host known by DNS name listens on every address, which its own render calls 127.0.0.1).
 */
function retarget(listenTarget: string, address: string): string {
  const port = /:(\d+)$/.exec(listenTarget)?.[1];
  if (port === undefined) return listenTarget;
  return `${address.includes(":") ? `[${address}]` : address}:${port}`;
}

/** Certificate and key of each exposed endpoint whose certificate stackmon issues. */
function certificateFiles(
  host: FleetHost,
  services: readonly ServiceSpec[],
  paths: ReturnType<typeof controllerPaths>,
): { files: FileSpec[]; directories: DirectorySpec[] } {
  // The host's own certificate when the inventory gives one, else the one stackmon's CA issued.
  const certificate = host.tls
    ? pemFile(host.tls.cert_file, `hosts.${host.name}.tls.cert_file`)
    : pemFile(paths.hostCert(host.name), `hosts.${host.name}`);
  const key = host.tls
    ? pemFile(host.tls.key_file, `hosts.${host.name}.tls.key_file`)
    : pemFile(paths.hostKey(host.name), `hosts.${host.name}`);
  const files = host.generatedTls.flatMap((id): FileSpec[] => {
    // A component with several processes names them "<id>@…" (the PM2 exporter, one per user).
    const owners = services.filter((s) => s.id === id || s.id.startsWith(`${id}@`));
    const service = owners[0];
    if (!service) return [];
    const consumers = owners.map((owner) => ({ service: owner.id, onChange: "restart" as const }));
    return [
      {
        path: `${TLS_DIR}/${id}.crt`,
        content: {
          template: [{ secret: certificate, as: "raw" }],
        },
        mode: 0o644,
        owner: "root",
        group: "root",
        consumers,
      },
      {
        path: `${TLS_DIR}/${id}.key`,
        content: {
          template: [{ secret: key, as: "raw" }],
        },
        mode: 0o640,
        owner: "root",
        group: service.group,
        consumers,
      },
    ];
  });
  const directories: DirectorySpec[] =
    files.length > 0 ? [{ path: TLS_DIR, mode: 0o755, owner: "root", group: "root" }] : [];
  return { files, directories };
}
