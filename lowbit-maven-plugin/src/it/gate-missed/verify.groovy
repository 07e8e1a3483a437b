// The gate is out of reach: the build failed with the gate's message, and left no model behind.
def log = new File(basedir, 'build.log').text
assert log =~ /quality gate missed: SQNR \d+\.\d\d dB < minSqnr 60\.00 dB \(output logits, 200 samples\)/ : 'no gate message in the log'
assert !new File(basedir, 'target/resnet_fmnist.int8.onnx').exists() : 'a model that missed the gate was left as the output'
def work = new File(basedir, 'target/lowbit')
assert !work.exists() || work.listFiles().every { !it.name.startsWith('work-') } : 'the work folder was not cleaned up'
return true
