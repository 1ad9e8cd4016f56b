import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configProblems } from "../../test/helpers/configProblems.js";
import { parseStackConfig } from "../stack.js";
import { describeHours, maintenanceWindowSchema, windowTimeIntervals } from "./maintenance.js";

const window = (weekly: unknown, timezone = "UTC") =>
  maintenanceWindowSchema.parse({ name: "w", hosts: ["db1"], weekly, timezone });

const problems = (text: string) => configProblems(text);

describe("maintenance window hours", () => {
  it("is one interval within a day", () => {
    assert.deepEqual(windowTimeIntervals(window([{ days: ["sunday"], start: "02:00", end: "04:00" }])), {
      name: "w",
      time_intervals: [
        { times: [{ start_time: "02:00", end_time: "04:00" }], weekdays: ["sunday"], location: "UTC" },
      ],
    });
  });

  it("splits a night at midnight, the early hours on the next days (saturday into sunday)", () => {
    const intervals = windowTimeIntervals(
      window([{ days: ["saturday", "friday"], start: "22:00", end: "02:30" }]),
    );
    assert.deepEqual(intervals.time_intervals, [
      {
        times: [{ start_time: "22:00", end_time: "24:00" }],
        weekdays: ["friday", "saturday"],
        location: "UTC",
      },
      {
        times: [{ start_time: "00:00", end_time: "02:30" }],
        weekdays: ["sunday", "saturday"],
        location: "UTC",
      },
    ]);
  });

  it("ends at midnight without an empty second part, and runs every day without days", () => {
    assert.deepEqual(windowTimeIntervals(window([{ start: "22:00", end: "00:00" }])).time_intervals, [
      { times: [{ start_time: "22:00", end_time: "24:00" }], location: "UTC" },
    ]);
    assert.deepEqual(windowTimeIntervals(window([{ start: "00:00", end: "24:00" }])).time_intervals, [
      { times: [{ start_time: "00:00", end_time: "24:00" }], location: "UTC" },
    ]);
    assert.equal(describeHours({ start: "22:00", end: "02:00" }), "every day 22:00–02:00 (next day)");
  });

  it("refuses hours that are not times of day, an empty window and a window starting at 24:00", () => {
    const found = problems(`global: {hostname: db1}
alerting:
  maintenance:
    - name: w
      hosts: [db1]
      weekly:
        - {start: "2:00", end: "04:00"}
        - {start: "03:00", end: "03:00"}
        - {start: "24:00", end: "01:00"}
        - {days: [sunday, sunday], start: "01:00", end: "02:00"}
        - {days: [sun], start: "01:00", end: "02:00"}
      timezone: UTC
`);
    assert.deepEqual(found, [
      'stackmon.yml:7:19: alerting.maintenance[0].weekly[0].start: must be a time of day "HH:MM" (00:00 to 24:00)',
      "stackmon.yml:8:33: alerting.maintenance[0].weekly[1].end: start and end are the same time: the window would be empty",
      "stackmon.yml:9:19: alerting.maintenance[0].weekly[2].start: a window starts at 23:59 at the latest",
      "stackmon.yml:10:18: alerting.maintenance[0].weekly[3].days: lists a day twice",
      "stackmon.yml:11:19: alerting.maintenance[0].weekly[4].days[0]: must be a day of the week: sunday, monday, tuesday, wednesday, thursday, friday, saturday",
    ]);
  });

  it("wants a time zone as the host's zoneinfo spells it", () => {
    const zone = (timezone: string) =>
      problems(`global: {hostname: db1}
alerting:
  maintenance:
    - {name: w, hosts: [db1], weekly: [{start: "01:00", end: "02:00"}], timezone: ${timezone}}
`);
    assert.match(zone("europe/berlin")[0] ?? "", /timezone: write it as "Europe\/Berlin"/);
    assert.match(zone("Mars/Olympus")[0] ?? "", /timezone: must be a time zone such as/);
    assert.match(zone("Local")[0] ?? "", /timezone: must be a time zone/);
    // Names ICU knows under an older one (Asia/Calcutta) are still the tz database's names.
    for (const name of ["America/New_York", "Asia/Kolkata", "Europe/Kyiv", "UTC", "Etc/GMT+5"]) {
      assert.doesNotThrow(
        () =>
          parseStackConfig(
            `global: {hostname: db1}\nalerting:\n  maintenance:\n    - {name: w, hosts: [db1], weekly: [{start: "01:00", end: "02:00"}], timezone: ${name}}\n`,
            "stackmon.yml",
            {},
          ),
        name,
      );
    }
  });
});
