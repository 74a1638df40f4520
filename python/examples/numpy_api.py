# neurite's numpy API: a network from the CLI's spec format, fitted on MNIST, saved for the CLI.
import neurite

train, validation, test = neurite.data.mnist()              # $NEURITE_MNIST, else data/mnist
model = neurite.Model({"input": [784], "layers": [{"type": "dense", "out": 100}, {"type": "relu"},
                       {"type": "dense", "out": 10}, {"type": "softmax"}]},
                      cost="log-likelihood", optimizer="adam", rate=1e-3, seed=1)
history = model.fit(train, epochs=3, batch_size=32, validation_data=validation)
print(model.evaluate(test))                                 # {'loss': ..., 'accuracy': ...}
print(model.predict(test.x[:2]).argmax(axis=1), test.labels[:2])
model.save("out/python-mlp.safetensors")                    # `neurite eval` reads it
