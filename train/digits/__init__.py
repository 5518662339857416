"""The digit CNN: MNIST, augmentation, training, plots."""
