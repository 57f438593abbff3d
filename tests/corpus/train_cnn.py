"""Train a small convolutional network on an image folder with PyTorch."""

# pip install torch==2.3.0 torchvision==0.18.0

# claimed: gpu=1, cores=8, ram=16384, time=1d

import os

import torch
from torch import nn
from torchvision import datasets, transforms

# Training images, one sub-directory per class
train_images_directory = os.environ['train_images_directory']

# Number of epochs
epochs = int(os.getenv('epochs', '10'))

# Learning rate
lr = float(os.getenv('lr', '1e-3'))

# Mini-batch size
# claimed: type=int
batch_size = os.getenv('batch_size', '32')

# Directory for checkpoints written during training
checkpoint_dir = os.getenv('checkpoint_dir', 'checkpoints')

# Trained weights
output_weights = os.getenv('output_weights', 'weights.pt')

loader = torch.utils.data.DataLoader(
    datasets.ImageFolder(train_images_directory, transform=transforms.ToTensor()),
    batch_size=int(batch_size),
    shuffle=True,
)
model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.LazyLinear(10))
optimizer = torch.optim.Adam(model.parameters(), lr=lr)
os.makedirs(checkpoint_dir, exist_ok=True)
for epoch in range(epochs):
    for images, labels in loader:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
    torch.save(model.state_dict(), os.path.join(checkpoint_dir, f'epoch{epoch}.pt'))
torch.save(model.state_dict(), output_weights)
