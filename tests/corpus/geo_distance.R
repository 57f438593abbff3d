# Great-circle distances between pairs of points.
#
# Reads a CSV with lat1, lon1, lat2, lon2 columns and adds a distance in km.
# pip install pyproj==3.6.1

# claimed: cores=0.5 ram=1Gi

# Point pairs
pairs_path <- Sys.getenv('pairs_path', 'pairs.csv')

# Earth radius in kilometres
radius <- as.numeric(Sys.getenv('radius', '6371'))

# Distances
output_distances <- Sys.getenv('output_distances', '/tmp/distances.csv')

haversine <- function(lat1, lon1, lat2, lon2) {
  to_rad <- pi / 180
  dlat <- (lat2 - lat1) * to_rad
  dlon <- (lon2 - lon1) * to_rad
  a <- sin(dlat / 2)^2 + cos(lat1 * to_rad) * cos(lat2 * to_rad) * sin(dlon / 2)^2
  2 * radius * asin(sqrt(a))
}
pairs <- read.csv(pairs_path)
pairs$km <- with(pairs, haversine(lat1, lon1, lat2, lon2))
write.csv(pairs, output_distances, row.names = FALSE)
