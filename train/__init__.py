"""Training on a bigger machine: the digit CNN (PyTorch, MNIST) and the face model.

Modules here may import torch, but only inside functions reached from the CLI,
so that ``edgecam --help`` stays fast and works on a device without torch.
"""
