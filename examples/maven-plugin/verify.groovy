// Run by lowbit-maven-plugin's integration test after the example was built twice
// (the invoker passes basedir, the cloned project, and lowbitRepo, the repository's root).
def model = new File(basedir, 'target/classes/models/resnet_fmnist.int8.onnx')
def floatModel = new File(lowbitRepo, 'lowbit-core/src/test/resources/models/resnet_fmnist.onnx')
assert model.isFile() : "no quantized model at $model"
assert model.length() < floatModel.length() : "quantized ${model.length()} bytes, float ${floatModel.length()}"

def jar = new java.util.jar.JarFile(new File(basedir, 'target/quantize-at-build-time-1.0.0-SNAPSHOT.jar'))
try {
    assert jar.getEntry('models/resnet_fmnist.int8.onnx') != null : 'the quantized model is not in the jar'
} finally {
    jar.close()
}

def log = new File(basedir, 'build.log').text
assert log.contains('lowbit: quality on 200 images (java): top-1 fp32') : 'no gate measurement in the log'
assert log.contains('lowbit: wrote target/classes/models/resnet_fmnist.int8.onnx') : 'the first build did not quantize'
assert log.contains('lowbit: target/classes/models/resnet_fmnist.int8.onnx is up to date') : 'the second build quantized again'
return true
