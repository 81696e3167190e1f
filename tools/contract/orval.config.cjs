// orval's fetch client for the live document (written to build/openapi.json by `make contract`).
module.exports = {
  referrals: {
    input: { target: "./build/openapi.json" },
    output: { target: "./build/orval/client.ts", client: "fetch", mode: "single", prettier: false },
  },
};
