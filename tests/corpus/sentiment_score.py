"""Score the sentiment of short texts — für Kundenrezensionen, naïve Bayes-free 😀.

Uses VADER; the mean compound score is returned as a value.
"""

# pip install vaderSentiment pandas

import os

import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# Reviews as CSV (« texte » column)
reviews_file = os.getenv('reviews_file', 'reviews.csv')

# Column with the review text
text_column = os.getenv('text_column', 'text')

# Scored reviews
output_scores = os.getenv('output_scores', 'scores.csv')

analyzer = SentimentIntensityAnalyzer()
frame = pd.read_csv(reviews_file)
frame['compound'] = [analyzer.polarity_scores(t)['compound'] for t in frame[text_column]]
frame.to_csv(output_scores, index=False)
os.environ['mean_score'] = f"{frame['compound'].mean():.4f}"
os.environ['label'] = 'positive' if frame['compound'].mean() > 0 else 'negative'
