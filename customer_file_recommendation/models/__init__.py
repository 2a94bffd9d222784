from . import customer_recommendation_config
from . import customer_product_affinity
from . import customer_recommendation
from . import customer_recommendation_evaluation
from . import customer_preference
from . import res_partner
from . import sale_order
from . import customer_file_demo_generator
