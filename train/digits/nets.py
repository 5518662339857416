"""The digit classifiers: the tutorial's Net ("seed") and ours ("edge").

Both take a batch of normalised 1x28x28 images and return 10 scores; the
runtime applies softmax, so log-probabilities (seed) and logits (edge) both work.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

# MNIST's pixel mean and standard deviation, as the tutorial normalises.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081


class SeedNet(nn.Module):
    """The tutorial's Net: two conv and two linear layers, ~97 % after 3 epochs."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        return F.log_softmax(self.fc2(x), dim=1)


def _conv_block(cin: int, cout: int, kernel: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class EdgeNet(nn.Module):
    """Ours: three conv blocks with batch norm, ~4.5 M multiply-adds per digit.

    Batch norm folds into the convolutions on export, so the device pays for
    three convolutions and one small linear layer.
    """

    def __init__(self, width: int = 24):
        super().__init__()
        self.features = nn.Sequential(
            _conv_block(1, width, 5),  # 28 -> 14
            _conv_block(width, 2 * width, 3),  # 14 -> 7
            _conv_block(2 * width, 4 * width, 3),  # 7 -> 3
        )
        self.dropout = nn.Dropout(0.25)
        self.classifier = nn.Linear(4 * width * 3 * 3, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(self.features(x).flatten(1)))


ARCHS = {"seed": SeedNet, "edge": EdgeNet}


def build(arch: str) -> nn.Module:
    try:
        return ARCHS[arch]()
    except KeyError:
        raise ValueError(f"unknown arch {arch!r}; choose one of {', '.join(ARCHS)}") from None


def multiply_adds(model: nn.Module) -> int:
    """Multiply-adds for one 28x28 digit, counted from the convolution and linear layers."""
    total = 0

    def count(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kernel = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
            total += output.numel() * kernel
        elif isinstance(module, nn.Linear):
            total += module.in_features * module.out_features

    hooks = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, 28, 28))
    model.train(was_training)
    for hook in hooks:
        hook.remove()
    return total
