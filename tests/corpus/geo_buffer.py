"""Buffer the geometries of a vector layer by a fixed distance."""

# dnf install -y gdal-devel
# yum install proj
# We build on UBI images, where dnf install is the usual way to add GDAL.
# pip install geopandas shapely

import os

import geopandas as gpd

# Working directory with the input layers
# claimed: type=Directory
workspace = os.getenv('workspace', '/data')

# Layer name inside the workspace
layer = os.getenv('layer', 'roads.gpkg')

# Buffer distance in metres
distance = float(os.getenv('distance', '10'))

# Buffered layer
# claimed: output path=out/buffered.geojson
result = os.getenv('result')

# HTML report
# claimed: output
report = os.getenv('report', 'report.html')

# Format of the written layer (a driver name, not a path)
# claimed: input
output_format = os.getenv('output_format', 'GeoJSON')

frame = gpd.read_file(os.path.join(workspace, layer)).to_crs(3857)
frame['geometry'] = frame.buffer(distance)
os.makedirs(os.path.dirname(result) or '.', exist_ok=True)
frame.to_file(result, driver=output_format)
with open(report, 'w') as out:
    out.write(f'<p>{len(frame)} features buffered by {distance} m</p>')
