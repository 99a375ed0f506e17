import {expect} from "chai";
import {Registry} from "prom-client";
import {createDutyMetrics} from "../../../src/duties/metrics.js";
import {MonitoringServer, type Readiness} from "../../../src/plugin/monitoring.js";
import {nullLogger} from "../../../src/util/logger.js";

describe("plugin/monitoring (real HTTP)", () => {
  it("serves /livez, /readyz (503 naming the failing checks, then 200) and the duty metrics", async () => {
    const register = new Registry();
    const metrics = createDutyMetrics(register);
    let readiness: Readiness = {
      ready: false,
      checks: {beacon_node: true, remote_signer: true, peers: "1 peers connected, 2 needed"},
    };
    const server = new MonitoringServer(
      {address: "127.0.0.1", port: 0},
      {register, logger: nullLogger(), readiness: async () => readiness},
    );
    const url = await server.start();
    try {
      expect((await fetch(`${url}/livez`)).status).to.equal(200);
      const notReady = await fetch(`${url}/readyz`);
      expect(notReady.status).to.equal(503);
      expect(await notReady.json()).to.deep.equal(readiness);
      readiness = {ready: true, checks: {beacon_node: true, remote_signer: true, peers: true}};
      expect((await fetch(`${url}/readyz`)).status).to.equal(200);
      metrics.record({
        status: "submitted",
        type: "attester",
        slot: 1,
        validator: "0x01",
        latencyMs: 120,
        consensusRound: 1,
      });
      metrics.record({
        status: "failed",
        type: "proposer",
        slot: 2,
        validator: "0x01",
        reason: "consensus_timeout",
        detail: "x",
      });
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(text).to.include('cohort_duty_outcomes_total{type="attester",status="submitted",reason=""} 1');
      expect(text).to.include(
        'cohort_duty_outcomes_total{type="proposer",status="failed",reason="consensus_timeout"} 1',
      );
      expect(text).to.include('cohort_duty_latency_seconds_bucket{le="0.25",type="attester"} 1');
    } finally {
      await server.stop();
    }
  });
});
