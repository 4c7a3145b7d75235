"""The serving benchmark's peer: KServe's own Python ModelServer (one uvicorn worker) with a
small ``kserve.Model`` that runs ONNX Runtime with the thread settings OneStop uses.

Run by the peer's virtual environment (it imports nothing from OneStop): `python
serving_kserve.py PORT THREADS NAME=MODEL.onnx ...`. KServe parses its own flags from the
command line at import, so the arguments are read before it is imported and then removed."""

import logging
import sys

PORT, THREADS = int(sys.argv[1]), int(sys.argv[2])
MODELS = dict(arg.split("=", 1) for arg in sys.argv[3:])
sys.argv = sys.argv[:1]

import kserve  # noqa: E402
import onnxruntime as ort  # noqa: E402
from kserve import InferOutput, InferRequest, InferResponse  # noqa: E402

DATATYPES = {"tensor(float)": "FP32", "tensor(int64)": "INT64", "tensor(double)": "FP64"}


class OnnxModel(kserve.Model):
    def __init__(self, name, path):
        super().__init__(name)
        options = ort.SessionOptions()
        options.intra_op_num_threads = THREADS
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            path, sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.outputs = [(arg.name, DATATYPES[arg.type]) for arg in self.session.get_outputs()]
        self.ready = True

    def predict(self, payload: InferRequest, headers=None) -> InferResponse:
        feeds = {tensor.name: tensor.as_numpy() for tensor in payload.inputs}
        values = self.session.run([name for name, _type in self.outputs], feeds)
        outputs = []
        for (name, datatype), value in zip(self.outputs, values, strict=True):
            output = InferOutput(name=name, shape=list(value.shape), datatype=datatype)
            output.set_data_from_numpy(value, binary_data=False)
            outputs.append(output)
        return InferResponse(response_id=payload.id, model_name=self.name, infer_outputs=outputs)


if __name__ == "__main__":
    server = kserve.ModelServer(
        http_port=PORT, workers=1, enable_grpc=False, enable_latency_logging=False
    )
    # No access log line per request: OneStop's server writes none either.
    logging.getLogger("uvicorn.access").disabled = True
    server.start([OnnxModel(name, path) for name, path in MODELS.items()])
