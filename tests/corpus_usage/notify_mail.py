"""Send a one-line notification e-mail when a pipeline finished."""
import os
import smtplib
from email.message import EmailMessage

smtp_host = os.getenv('smtp_host', 'mail.example.org')
smtp_port = int(os.getenv('smtp_port', '587'))
sender = os.getenv('sender', 'pipeline@example.org')
recipient = os.getenv('recipient')
mail_password = os.getenv('mail_password')
subject = os.getenv('subject', 'pipeline finished')

message = EmailMessage()
message['From'], message['To'], message['Subject'] = sender, recipient, subject
message.set_content(subject)
with smtplib.SMTP(smtp_host, smtp_port) as server:
    server.starttls()
    server.login(sender, mail_password)
    server.send_message(message)
