"""A class's run after approval: started (approved → running), closed with each trainee's
outcome and the completed trainees' record entries (running → closed), and filed by the
organisation department (closed → filed)."""
