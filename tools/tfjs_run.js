// Runs a TensorFlow.js graph model from disk in Node, on the pure-JS CPU
// backend, and writes its signature outputs by name.
//
//     node tools/tfjs_run.js MODEL_DIR INPUTS.json OUTPUT.json [--runs N]
//
// MODEL_DIR holds model.json and its weight shards, as `tensorflowjs_converter
// --output_format=tfjs_graph_model` writes them. INPUTS.json maps each
// signature input to `{"dtype": "int32"|"float32", "shape": [...], "values":
// [flat list]}`; OUTPUT.json gets every signature output as `{"dtype": ...,
// "shape": [...], "values": [flat list]}` (bool values as true/false). The
// model runs `--runs` times (default 1) with `executeAsync`; the outputs are
// those of the last run, and stdout ends with one JSON line of timings:
// `{"backend": "cpu", "load_ms": ..., "run_ms": [...]}`.
//
// `@tensorflow/tfjs` is loaded from the node_modules folder named by
// TFJS_NODE_MODULES (default /tmp/tfjs-js/node_modules), so this script needs
// no package.json of its own. tools/check_tfjs.py calls it.

const fs = require('fs');
const path = require('path');

const NODE_MODULES = process.env.TFJS_NODE_MODULES || '/tmp/tfjs-js/node_modules';
const tf = require(path.join(NODE_MODULES, '@tensorflow', 'tfjs'));

// An IOHandler that reads model.json and its shards from `dir` (tf.io's file
// handlers are for the browser and tfjs-node).
function fileHandler(dir) {
  return {
    load: async () => {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'model.json')));
      const weightSpecs = [];
      const shards = [];
      for (const group of manifest.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const shard of group.paths) {
          shards.push(fs.readFileSync(path.join(dir, shard)));
        }
      }
      const weights = Buffer.concat(shards);
      const end = weights.byteOffset + weights.byteLength;
      return {
        modelTopology: manifest.modelTopology,
        weightSpecs,
        weightData: weights.buffer.slice(weights.byteOffset, end),
        format: manifest.format,
        generatedBy: manifest.generatedBy,
        convertedBy: manifest.convertedBy,
        signature: manifest.signature,
        userDefinedMetadata: manifest.userDefinedMetadata,
      };
    },
  };
}

function parseArguments(argv) {
  const positional = [];
  let runs = 1;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else positional.push(argv[i]);
  }
  if (positional.length !== 3 || !(Number.isInteger(runs) && runs >= 1)) {
    console.error('usage: node tools/tfjs_run.js MODEL_DIR INPUTS.json OUTPUT.json [--runs N]');
    process.exit(2);
  }
  const [modelDir, inputsFile, outputFile] = positional;
  return { modelDir, inputsFile, outputFile, runs };
}

function toTensors(inputs) {
  const tensors = {};
  for (const [name, { dtype, shape, values }] of Object.entries(inputs)) {
    tensors[name] = tf.tensor(values, shape, dtype);
  }
  return tensors;
}

async function toJson(tensor) {
  const values = Array.from(await tensor.data());
  return {
    dtype: tensor.dtype,
    shape: tensor.shape,
    values: tensor.dtype === 'bool' ? values.map((v) => v !== 0) : values,
  };
}

async function main() {
  const { modelDir, inputsFile, outputFile, runs } = parseArguments(process.argv.slice(2));
  await tf.setBackend('cpu');

  let start = performance.now();
  const model = await tf.loadGraphModel(fileHandler(modelDir));
  const loadMs = performance.now() - start;

  // Signature names (executeAsync maps them to the graph's node names), or
  // the node names of a model converted without a signature.
  const outputNames = model.signature
    ? Object.keys(model.signature.outputs)
    : model.outputNodes;
  const feeds = toTensors(JSON.parse(fs.readFileSync(inputsFile)));
  const runMs = [];
  let outputs = null;
  for (let i = 0; i < runs; i++) {
    if (outputs) tf.dispose(outputs);
    start = performance.now();
    outputs = await model.executeAsync(feeds, outputNames);
    outputs = Array.isArray(outputs) ? outputs : [outputs];
    await Promise.all(outputs.map((tensor) => tensor.data()));  // wait for the values
    runMs.push(performance.now() - start);
  }

  const result = {};
  for (let i = 0; i < outputNames.length; i++) {
    result[outputNames[i]] = await toJson(outputs[i]);
  }
  fs.writeFileSync(outputFile, JSON.stringify(result));
  console.log(JSON.stringify({ backend: tf.getBackend(), load_ms: loadMs, run_ms: runMs }));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
