"""What several test modules share: NumPy references, layer and cell specs,
builders of models and files, checks of exported files."""
