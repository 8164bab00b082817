"""What the Refer, Enroll, Patient and Outcomes pages show: plain functions from the services' JSON
(and the form a person sent) to the values a template renders, testable without HTTP. The routes in
service.py fetch with the user's own token, call these, and render."""
