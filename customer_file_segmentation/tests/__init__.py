from . import test_overview_segmentation
